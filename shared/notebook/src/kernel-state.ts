import type * as Y from "yjs";
import { KERNEL_MAP, type YCell } from "./schema.ts";

/**
 * Reading what the kernel gateway (services/kernels, executor/document.ts) publishes in the
 * document: the kernel's state in the `tandem_kernel` root map, and each cell's execution state.
 */

export type KernelStatus = "unknown" | "starting" | "idle" | "busy" | "dead" | "restarting" | "disconnected";

/** An input() prompt of the running cell, addressed to the browser that ran it. */
export interface InputRequest {
  cellId: string;
  prompt: string;
  password: boolean;
  clientId: number | null;
  userId: string | null;
}

export interface KernelInfo {
  status: KernelStatus;
  inputRequest: InputRequest | null;
  displayName: string | null;
  /** The kernelspec it runs (an environment's is `tandem-env-<id>`). */
  name: string | null;
  /** Why the kernel died or could not start. */
  reason: string | null;
}

/** The kernel's state as the gateway publishes it in the document; unknown until it does. */
export function kernelInfoOf(doc: Y.Doc): KernelInfo {
  const map = doc.share.has(KERNEL_MAP) ? doc.getMap<unknown>(KERNEL_MAP) : null;
  const state = map?.get("state");
  const input = map?.get("input_request") as Partial<InputRequest> | undefined;
  const displayName = map?.get("display_name");
  const reason = map?.get("reason");
  const name = map?.get("name");
  return {
    status: typeof state === "string" ? (state as KernelStatus) : "unknown",
    inputRequest:
      input && typeof input === "object" && typeof input.cellId === "string" ? (input as InputRequest) : null,
    displayName: typeof displayName === "string" ? displayName : null,
    name: typeof name === "string" ? name : null,
    reason: typeof reason === "string" ? reason : null,
  };
}

export function kernelStatusOf(doc: Y.Doc): KernelStatus {
  return kernelInfoOf(doc).status;
}

/** Whether a cell is queued or running (anyone's run); older writers said `busy` and `pending`. */
export function executionStateOf(cell: YCell): "idle" | "queued" | "running" {
  const s = cell.get("execution_state");
  if (s === "running" || s === "busy") return "running";
  if (s === "queued" || s === "pending") return "queued";
  return "idle";
}
