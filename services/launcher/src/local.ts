import { type ChildProcess, spawn } from "node:child_process";
import {
  commandOf,
  type ExitInfo,
  envOf,
  LaunchError,
  type LaunchedProcess,
  type Launcher,
  type LaunchLimits,
  type LaunchSpec,
  type OutputStream,
} from "./spec.ts";

/**
 * Starts processes on this machine. Each runs in its own process group, so a signal reaches what
 * it started too, and when it exits whatever it left behind in its group is killed with it.
 */
export class LocalLauncher implements Launcher {
  async start(spec: LaunchSpec): Promise<LaunchedProcess> {
    if (!spec.argv.length) throw new LaunchError("invalid_spec", "Nothing to launch: argv is empty");
    const argv = [...limitWrapper(spec.limits), ...commandOf(spec)];
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: spec.cwd,
      env: envOf(spec),
      uid: spec.uid,
      gid: spec.gid,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const name = spec.name ?? spec.argv[0]!;
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (err) => reject(new LaunchError("spawn_failed", `Could not start ${name}: ${err.message}`)));
    });
    return new LocalProcess(child, name, spec.logBytes ?? 64 * 1024);
  }
}

class LocalProcess implements LaunchedProcess {
  readonly exited: Promise<ExitInfo>;
  private tail = "";
  private done = false;
  private readonly listeners = new Set<(chunk: string, stream: OutputStream) => void>();

  constructor(
    private readonly child: ChildProcess,
    readonly name: string,
    private readonly logBytes: number,
  ) {
    const take = (stream: OutputStream) => (chunk: Buffer) => {
      const text = chunk.toString();
      this.tail = (this.tail + text).slice(-this.logBytes);
      for (const l of this.listeners) l(text, stream);
    };
    child.stdout!.on("data", take("stdout"));
    child.stderr!.on("data", take("stderr"));
    // A failed signal after start is not the caller's crash.
    child.on("error", () => {});
    let info: ExitInfo = { code: null, signal: null };
    child.once("exit", (code, signal) => {
      info = { code, signal };
      this.done = true;
      // What it left in its group goes with it (and lets its output pipes close).
      this.signal("SIGKILL");
    });
    this.exited = new Promise((resolve) => child.once("close", () => resolve(info)));
  }

  get pid() {
    return this.child.pid;
  }

  get running() {
    return !this.done;
  }

  logs() {
    return this.tail;
  }

  onOutput(listener: (chunk: string, stream: OutputStream) => void) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  signal(signal: NodeJS.Signals) {
    const pid = this.child.pid;
    if (!pid) return;
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        this.child.kill(signal);
      } catch {
        // Already gone.
      }
    }
  }

  async stop(graceMs: number): Promise<ExitInfo> {
    if (this.done) {
      this.signal("SIGKILL");
      return this.exited;
    }
    this.signal("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((r) => {
      timer = setTimeout(() => r("late"), graceMs);
    });
    if ((await Promise.race([this.exited, late])) === "late") this.signal("SIGKILL");
    clearTimeout(timer);
    return this.exited;
  }
}

/** `prlimit --as=… --` in front of the command when limits are asked for. */
function limitWrapper(limits: LaunchLimits | undefined): string[] {
  if (!limits) return [];
  const flags: string[] = [];
  if (limits.memoryBytes) flags.push(`--as=${limits.memoryBytes}`);
  if (limits.cpuSeconds) flags.push(`--cpu=${limits.cpuSeconds}`);
  if (limits.openFiles) flags.push(`--nofile=${limits.openFiles}`);
  if (limits.processes) flags.push(`--nproc=${limits.processes}`);
  return flags.length ? ["prlimit", ...flags, "--"] : [];
}
