import { createServer } from "node:net";
import type { LaunchedProcess, Launcher } from "@tandem/launcher";
import type { Logger } from "pino";

export type ReplicaState = "starting" | "ready" | "failed" | "stopping";

export interface ReplicaPlan {
  /** The environment's interpreter. */
  python: string;
  modelDir: string;
  /** The process's whole environment (the environment's variables, GPUs), before Tandem's own. */
  env: Record<string, string>;
  cwd: string;
  timeoutMs: number;
  /** Gives resources (GPUs) back when the process is gone. */
  release?: () => void;
}

export interface ReplicaOptions {
  launcher: Launcher;
  log: Logger;
  /** Asked before every (re)start: the environment may be re-prepared (GPUs given again). */
  plan: () => Promise<ReplicaPlan>;
  /** Longest wait for a first successful /ping. */
  startTimeoutMs: number;
}

const BACKOFF_MS = [500, 1000, 2000, 5000, 10_000, 30_000];

/**
 * One scoring process: MLflow's own pyfunc scoring server (uvicorn, as `mlflow models serve` runs
 * it) in the model's environment. Ready once /ping answers; restarted with backoff when it dies.
 */
export class Replica {
  state: ReplicaState = "starting";
  port = 0;
  restarts = 0;
  lastError: string | null = null;
  /** Requests being answered (a draining replica waits for them). */
  inflight = 0;
  private process?: LaunchedProcess;
  private release?: () => void;
  private stopped = false;
  private restartTimer?: NodeJS.Timeout;
  private firstStart?: Promise<void>;

  constructor(
    readonly id: string,
    readonly version: number,
    private readonly o: ReplicaOptions,
  ) {}

  get pid(): number | null {
    return this.process?.pid ?? null;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  logs(): string {
    return this.process?.logs() ?? "";
  }

  /** Starts it and resolves once it is ready; rejects with the reason when its first start fails. */
  start(): Promise<void> {
    this.firstStart ??= this.launch();
    return this.firstStart;
  }

  private setState(state: ReplicaState) {
    this.state = state;
  }

  private async launch(): Promise<void> {
    this.setState("starting");
    const plan = await this.o.plan();
    this.release = plan.release;
    this.port = await freePort();
    const proc = await this.o.launcher.start({
      name: `replica ${this.id}`,
      argv: [
        plan.python,
        "-m",
        "uvicorn",
        "--host",
        "127.0.0.1",
        "--port",
        String(this.port),
        "--workers",
        "1",
        "--no-access-log",
        "mlflow.pyfunc.scoring_server.app:app",
      ],
      cwd: plan.cwd,
      env: {
        ...plan.env,
        HOME: plan.cwd,
        PYTHONUNBUFFERED: "1",
        PYTHONNOUSERSITE: "1",
        LC_ALL: "C.UTF-8",
        LANG: "C.UTF-8",
        __pyfunc_model_path__: plan.modelDir,
        MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT: String(Math.ceil(plan.timeoutMs / 1000)),
      },
      logBytes: 64 * 1024,
    });
    this.process = proc;
    void proc.exited.then((exit) => this.onExit(proc, exit.code, exit.signal));
    try {
      await this.waitReady(proc);
    } catch (err) {
      this.lastError = (err as Error).message;
      await proc.stop(1000);
      this.setState("failed");
      throw err;
    }
    this.lastError = null;
    this.setState("ready");
  }

  private async waitReady(proc: LaunchedProcess) {
    const deadline = Date.now() + this.o.startTimeoutMs;
    while (Date.now() < deadline) {
      if (!proc.running) throw new Error(`The scoring server exited during start-up:\n${tail(proc.logs())}`);
      const ok = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `The scoring server did not answer /ping within ${this.o.startTimeoutMs} ms:\n${tail(proc.logs())}`,
    );
  }

  private onExit(proc: LaunchedProcess, code: number | null, signal: string | null) {
    if (proc !== this.process) return;
    this.release?.();
    this.release = undefined;
    if (this.stopped || this.state === "starting") return;
    this.lastError = `The scoring server ${signal ? `was killed by ${signal}` : `exited with code ${code}`}:\n${tail(proc.logs())}`;
    this.o.log.warn({ replica: this.id, code, signal }, "replica died; restarting");
    this.setState("failed");
    const delay = BACKOFF_MS[Math.min(this.restarts, BACKOFF_MS.length - 1)]!;
    this.restarts++;
    this.restartTimer = setTimeout(() => {
      if (this.stopped) return;
      this.launch().catch((err) => {
        this.o.log.warn({ replica: this.id, err: (err as Error).message }, "replica restart failed");
        // Dead on arrival: try again later, with a longer wait.
        if (!this.stopped) this.onExit(this.process!, null, null);
      });
    }, delay);
    this.restartTimer.unref();
  }

  /** Drains (waits up to `graceMs` for requests in flight), then stops the process. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.setState("stopping");
    const deadline = Date.now() + graceMs;
    while (this.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await this.process?.stop(2000);
    this.release?.();
    this.release = undefined;
  }
}

function tail(text: string) {
  return text.trim().split("\n").slice(-15).join("\n");
}

/** A port free now (the scoring server binds it a moment later; a clash fails its start and it is retried). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
