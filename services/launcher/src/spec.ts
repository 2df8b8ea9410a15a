/**
 * The launcher seam: how Tandem starts a long-lived process (a kernel, a deployment replica).
 * The local implementation starts child processes; another (Kubernetes, a gateway) implements the
 * same interface, so the services that launch never know where their processes run.
 */

/** What to start, and under which conditions. */
export interface LaunchSpec {
  /** What the process is, for logs and errors ("kernel 1c2d", "replica churn-api/1"). */
  name?: string;
  /** The program and its arguments (no shell). */
  argv: string[];
  /**
   * Put in front of argv, e.g. a sandbox (`["bwrap", ..., "--"]`) or a resource wrapper: the
   * launching service decides how its processes are confined, the launcher only runs the result.
   */
  wrapper?: string[];
  cwd: string;
  /** The whole environment: nothing of the launching process's own environment is inherited. */
  env: Record<string, string>;
  /** The GPUs the process may see (CUDA_VISIBLE_DEVICES); `[]` hides them all; unset leaves `env` alone. */
  gpus?: string[];
  /** Run as this OS user. */
  uid?: number;
  gid?: number;
  limits?: LaunchLimits;
  /** How much of the process's latest output is kept for `logs()` (default 64 KiB). */
  logBytes?: number;
}

/** Resource limits (the local launcher applies them as rlimits through util-linux's `prlimit`). */
export interface LaunchLimits {
  /** Address-space limit in bytes. */
  memoryBytes?: number;
  /** CPU time in seconds. */
  cpuSeconds?: number;
  openFiles?: number;
  /** Processes (threads included) the user may have. */
  processes?: number;
}

export interface ExitInfo {
  /** The exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type OutputStream = "stdout" | "stderr";

/** One launched process. */
export interface LaunchedProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** True until the process has exited. */
  readonly running: boolean;
  /** Resolves once the process has exited and its output is read (never rejects). */
  readonly exited: Promise<ExitInfo>;
  /** The latest output, stdout and stderr as they came. */
  logs(): string;
  /** Follows output as it comes; returns the function that stops following. */
  onOutput(listener: (chunk: string, stream: OutputStream) => void): () => void;
  /** Sends a signal to the process and everything it started. */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM to everything it started, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs: number): Promise<ExitInfo>;
}

export interface Launcher {
  /** Starts a process; rejects (LaunchError `spawn_failed`) when it cannot be started at all. */
  start(spec: LaunchSpec): Promise<LaunchedProcess>;
}

export type LaunchErrorCode = "spawn_failed" | "invalid_spec";

export class LaunchError extends Error {
  constructor(
    readonly code: LaunchErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "LaunchError";
  }
}

/** The argv a spec runs: wrapper, then argv. */
export function commandOf(spec: LaunchSpec): string[] {
  return [...(spec.wrapper ?? []), ...spec.argv];
}

/** The environment a spec runs with: `env`, with CUDA_VISIBLE_DEVICES from `gpus` when given. */
export function envOf(spec: LaunchSpec): Record<string, string> {
  if (!spec.gpus) return { ...spec.env };
  return { ...spec.env, CUDA_VISIBLE_DEVICES: spec.gpus.join(",") };
}
