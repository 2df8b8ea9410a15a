import type { LaunchedProcess } from "@tandem/launcher";
import type { KernelSockets } from "./channels.ts";
import type { LaunchContribution } from "./launch.ts";
import type { SandboxOptions } from "./sandbox.ts";

/** What a kernel's process is started from and runs as: its plan, timings, states, and the runtime it becomes. */

/** Jupyter's kernel states, plus `starting`/`restarting`/`dead` that the server itself reports. */
export type KernelState = "starting" | "idle" | "busy" | "restarting" | "terminating" | "dead";

export interface KernelTimings {
  /** How long a kernel may take to answer kernel_info after its process starts. */
  startTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Missed heartbeats in a row before a live process is declared hung and killed. */
  heartbeatMisses: number;
  /** Grace time for a shutdown_request before SIGTERM, then SIGKILL. */
  shutdownGraceMs: number;
}

/** Everything needed to start one process for a kernel (asked again on every restart). */
export interface ProcessPlan {
  env: Record<string, string>;
  cwd: string;
  argv?: string[];
  release?: LaunchContribution["release"];
  /** The hooks' records, merged. */
  record?: Record<string, unknown>;
  uid?: number;
  gid?: number;
  /** Put in front of argv (a hook's wrapper). */
  wrapper?: string[];
  /** Run in a bubblewrap sandbox (sandbox.ts), with this host dir as its HOME. */
  sandbox?: SandboxOptions;
  home?: string;
}

/** One process of a kernel with its sockets (a restart makes a new one). */
export interface Runtime {
  process: LaunchedProcess;
  sockets: KernelSockets;
  connectionFile: string;
  exited: Promise<void>;
  release?: () => void | Promise<void>;
  ending: boolean;
  /** Until ready, an exit is start-up's failure to report, not a death. */
  starting: boolean;
  sandboxed: boolean;
}

/** Signals a process, if it still exists. */
export function signalPid(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
