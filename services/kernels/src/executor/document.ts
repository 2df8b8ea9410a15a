import {
  cellsOf,
  type JsonObject,
  type JsonValue,
  KERNEL_MAP,
  metaOf,
  SERVER_ORIGIN,
  setCellMetadata,
  setKernelMetadata,
} from "@tandem/notebook";
import * as Y from "yjs";
import type { Kernel } from "../kernel.ts";
import type { ExecutionRecord, OpenDoc } from "./types.ts";

function executionMetadata(r: ExecutionRecord): JsonValue {
  return JSON.parse(
    JSON.stringify({
      kernelspec: r.kernelspec,
      status: r.status,
      started: r.startedAt.toISOString(),
      finished: r.finishedAt.toISOString(),
      ...r.launch,
    }),
  ) as JsonValue;
}

/**
 * What the executor publishes in the notebook's live document: the kernel's state (a root map
 * beside the notebook), each cell's execution state and count, and where a cell last ran.
 */
export class PublishedState {
  private handle?: { readonly doc: Y.Doc; release(): void };

  constructor(
    private readonly notebookId: string,
    private readonly openDoc: OpenDoc,
  ) {}

  /** The document while it is held (undefined once let go). */
  get current(): Y.Doc | undefined {
    return this.handle?.doc;
  }

  async doc(): Promise<Y.Doc> {
    this.handle ??= await this.openDoc(this.notebookId);
    return this.handle.doc;
  }

  release() {
    this.handle?.release();
    this.handle = undefined;
  }

  /** The notebook's own metadata names the kernel that runs it (kernelspec, language_info), as in Jupyter. */
  async recordKernel(kernel: Kernel) {
    const info = kernel.kernelInfo?.language_info;
    const languageInfo = info && typeof info === "object" ? (info as JsonObject) : undefined;
    const doc = await this.doc();
    setKernelMetadata(doc, kernel.spec, languageInfo);
    // A Tandem environment's kernelspec also names the lock it runs (its identity), for the .ipynb's readers.
    const env = kernel.spec.metadata.tandem as JsonObject | undefined;
    const metadata = metaOf(doc).get("metadata");
    if (metadata instanceof Y.Map)
      doc.transact(() => {
        if (env && typeof env === "object")
          metadata.set("tandem_environment", { id: env.environmentId ?? null, identity: env.identity ?? null });
        else if (metadata.has("tandem_environment")) metadata.delete("tandem_environment");
      }, SERVER_ORIGIN);
  }

  /** The kernelspec name the notebook's metadata records (the kernel that last ran it). */
  async recordedKernelspec(): Promise<string | undefined> {
    const metadata = metaOf(await this.doc()).get("metadata");
    const read = (m: unknown) => (m instanceof Y.Map ? m.get("kernelspec") : (m as JsonObject | undefined)?.kernelspec);
    const ks = read(metadata);
    const name = ks instanceof Y.Map ? ks.get("name") : (ks as { name?: unknown } | undefined)?.name;
    return typeof name === "string" && name ? name : undefined;
  }

  /** Shows the kernel's state to every collaborator. */
  async publish(fields: Record<string, unknown>) {
    const doc = await this.doc();
    doc.transact(() => {
      const map = doc.getMap(KERNEL_MAP);
      for (const [k, v] of Object.entries(fields)) {
        if (v === undefined) map.delete(k);
        else if (map.get(k) !== v) map.set(k, v);
      }
    }, SERVER_ORIGIN);
  }

  /** Marks cells "queued" (only those `stillWaiting` says are: marking may trail the first cell's start). */
  async markQueued(cellIds: string[], stillWaiting: (cellId: string) => boolean) {
    const doc = await this.doc();
    doc.transact(() => {
      for (const cell of cellsOf(doc)) {
        const id = String(cell.get("id"));
        if (cellIds.includes(id) && stillWaiting(id)) cell.set("execution_state", "queued");
      }
    }, SERVER_ORIGIN);
  }

  async setIdle(cellIds: string[]) {
    if (!cellIds.length) return;
    const doc = await this.doc();
    doc.transact(() => {
      for (const cell of cellsOf(doc))
        if (cellIds.includes(String(cell.get("id")))) cell.set("execution_state", "idle");
    }, SERVER_ORIGIN);
  }

  /** Clears a code cell for its run and returns its source as it is now; undefined when it is not a code cell. */
  async beginCell(cellId: string): Promise<string | undefined> {
    const doc = await this.doc();
    const cell = cellsOf(doc)
      .toArray()
      .find((c) => c.get("id") === cellId);
    if (cell?.get("cell_type") !== "code") return undefined;
    const code = String(cell.get("source") ?? "");
    doc.transact(() => {
      const outputs = cell.get("outputs");
      if (outputs instanceof Y.Array) outputs.delete(0, outputs.length);
      else cell.set("outputs", new Y.Array());
      cell.set("execution_count", null);
      cell.set("execution_state", "running");
    }, SERVER_ORIGIN);
    return code;
  }

  setCount(cellId: string, count: number) {
    const d = this.handle?.doc;
    if (!d) return;
    d.transact(() => {
      const c = cellsOf(d)
        .toArray()
        .find((x) => x.get("id") === cellId);
      if (c && c.get("execution_count") !== count) c.set("execution_count", count);
    }, SERVER_ORIGIN);
  }

  countOf(cellId: string): number | null {
    const count = this.handle?.doc
      ? cellsOf(this.handle.doc)
          .toArray()
          .find((x) => x.get("id") === cellId)
          ?.get("execution_count")
      : null;
    return typeof count === "number" ? count : null;
  }

  /** The cell is idle again, with where and when it ran in its metadata. */
  finishCell(record: ExecutionRecord) {
    const d = this.handle?.doc;
    if (!d) return;
    d.transact(() => {
      const c = cellsOf(d)
        .toArray()
        .find((x) => x.get("id") === record.cellId);
      c?.set("execution_state", "idle");
      // Where and when the cell last ran (environment, GPUs, driver) stays with the notebook,
      // in its .ipynb too, so a result can be traced to what produced it.
      if (c) setCellMetadata(d, record.cellId, "tandem_execution", executionMetadata(record));
    }, SERVER_ORIGIN);
  }
}
