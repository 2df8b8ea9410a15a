import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { chown, rm } from "node:fs/promises";
import { join } from "node:path";
import { LaunchError, type Launcher } from "@tandem/launcher";
import type { Logger } from "pino";
import { type Channel, KernelSockets } from "./channels.ts";
import { newConnectionInfo, writeConnectionFile } from "./connection.ts";
import { KernelError, notRunning } from "./errors.ts";
import type { KernelState, KernelTimings, ProcessPlan, Runtime } from "./kernel-process.ts";
import { signalPid } from "./kernel-process.ts";
import type { KernelSpec } from "./kernelspecs.ts";
import { substituteArgv } from "./launch.ts";
import { kernelCommand, SANDBOX_CONNECTION_FILE, sandboxedProcesses } from "./sandbox.ts";
import { newHeader, RawMessage } from "./wire.ts";

const portTaken = (err: unknown) => err instanceof KernelError && err.code === "port_taken";

type Events = {
  /** Every message from the kernel, by channel. */
  message: [Channel, RawMessage];
  state: [KernelState];
  /** The process ended unasked (crash, OOM kill, os._exit) or stopped answering heartbeats. */
  died: [string];
  /** A new process took over (after a restart). */
  restarted: [];
};

/**
 * One kernel: a process speaking the Jupyter protocol and its sockets. Its id stays the same
 * across restarts; a restart replaces the process.
 */
export class Kernel extends EventEmitter<Events> {
  readonly id: string;
  /** Our own session id for requests the server makes. */
  readonly session = randomUUID();
  state: KernelState = "starting";
  lastActivity = new Date();
  /** Open channel WebSockets (Jupyter's `connections`). */
  connections = 0;
  executionCount = 0;
  kernelInfo: Record<string, unknown> | null = null;
  /** What the launch hooks said about the current process (recorded with every execution). */
  launchRecord: Record<string, unknown> = {};
  private runtime?: Runtime;
  private readonly replyWaiters = new Map<string, (msg: RawMessage) => void>();
  private heartbeat?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    readonly spec: KernelSpec,
    private readonly plan: (kernel: Kernel) => Promise<ProcessPlan>,
    private readonly launcher: Launcher,
    private readonly runtimeDir: string,
    private readonly timings: KernelTimings,
    private readonly log: Logger,
    id: string = randomUUID(),
  ) {
    super();
    this.id = id;
    this.setMaxListeners(0);
  }

  get pid(): number | undefined {
    return this.runtime?.process.pid;
  }

  get alive(): boolean {
    return this.state !== "dead" && this.state !== "terminating";
  }

  private setState(state: KernelState) {
    if (this.state === state) return;
    this.state = state;
    this.emit("state", state);
  }

  /**
   * Starts the process and waits until it answers kernel_info on shell and publishes on iopub.
   * Ports are picked free and then bound by the kernel, so another process may take one in
   * between: a kernel that fails on "Address already in use" is started again on new ports.
   */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.startOnce();
        return;
      } catch (err) {
        if (!portTaken(err) || attempt >= 4) throw err;
        this.log.debug({ kernelId: this.id, attempt }, "a kernel port was taken; starting again");
      }
    }
  }

  private async startOnce(): Promise<void> {
    this.setState("starting");
    const plan = await this.plan(this);
    this.launchRecord = plan.record ?? {};
    const info = await newConnectionInfo(this.spec.name);
    const connectionFile = join(this.runtimeDir, `kernel-${this.id}-${randomUUID().slice(0, 8)}.json`);
    await writeConnectionFile(connectionFile, info);
    // A kernel run as another OS user must read its own connection file (and no one else may).
    if (plan.uid !== undefined) await chown(connectionFile, plan.uid, plan.gid ?? plan.uid);
    // A sandboxed kernel sees its own connection file only, at a fixed path.
    const inner = plan.sandbox ? SANDBOX_CONNECTION_FILE : connectionFile;
    const planned = { ...plan, argv: substituteArgv(plan.argv ?? this.spec.argv, inner, this.spec) };
    const { wrapper, argv, uid, gid } = kernelCommand(planned, connectionFile, this.spec.resourceDir);
    // The launcher gives the kernel its own process group: an interrupt reaches the kernel's
    // children too, and a shutdown kills them.
    const launched = await this.launcher
      .start({
        name: `kernel ${this.id}`,
        argv,
        wrapper,
        cwd: plan.cwd,
        env: plan.env,
        uid,
        gid,
        logBytes: 4000,
      })
      .catch(async (err) => {
        await rm(connectionFile, { force: true });
        await plan.release?.();
        this.setState("dead");
        throw err instanceof LaunchError ? notRunning(`The kernel could not start: ${err.message}`) : err;
      });
    const sockets = new KernelSockets(info);
    const runtime: Runtime = {
      process: launched,
      sockets,
      connectionFile,
      release: plan.release,
      ending: false,
      starting: true,
      sandboxed: !!plan.sandbox,
      exited: launched.exited.then(() => {}),
    };
    this.runtime = runtime;
    sockets.on("message", (channel, msg) => this.onMessage(runtime, channel, msg));
    sockets.on("error", (err) => this.log.warn({ err, kernelId: this.id }, "kernel socket error"));
    void launched.exited.then(({ code, signal }) => this.onExit(runtime, code, signal));

    try {
      await this.waitReady(runtime);
      runtime.starting = false;
    } catch (err) {
      await this.endRuntime(runtime, false);
      if (!portTaken(err)) this.setState("dead");
      throw err;
    }
    this.setState("idle");
    this.startHeartbeat(runtime);
  }

  /** Jupyter clients' "nudge": kernel_info until a reply comes and iopub is seen to be connected. */
  private async waitReady(runtime: Runtime) {
    const deadline = Date.now() + this.timings.startTimeoutMs;
    let exited = false;
    void runtime.exited.then(() => (exited = true));
    while (Date.now() < deadline) {
      if (exited) {
        if (runtime.process.logs().includes("Address already in use"))
          throw new KernelError("port_taken", "The kernel's ports were taken");
        throw notRunning(`The kernel exited during start-up:\n${runtime.process.logs().trim()}`);
      }
      const request = this.message("kernel_info_request", {});
      let iopubSeen = false;
      const onIopub = (channel: Channel, msg: RawMessage) => {
        if (channel === "iopub" && msg.parentId === request.header.msg_id) iopubSeen = true;
      };
      this.on("message", onIopub);
      try {
        const reply = await this.request("shell", request, 1000, runtime).catch(() => null);
        if (reply) {
          this.kernelInfo = reply.message().content;
          // iopub status for our request may trail the reply a little.
          for (let i = 0; i < 10 && !iopubSeen; i++) await new Promise((r) => setTimeout(r, 20));
          if (iopubSeen) return;
        }
      } finally {
        this.off("message", onIopub);
      }
    }
    throw notRunning(`The kernel did not answer within ${this.timings.startTimeoutMs} ms`);
  }

  private onMessage(runtime: Runtime, channel: Channel, msg: RawMessage) {
    if (runtime !== this.runtime) return;
    this.lastActivity = new Date();
    if (channel === "iopub" && msg.msgType === "status") {
      const state = msg.message().content.execution_state;
      if ((state === "busy" || state === "idle") && this.alive && this.state !== "restarting") this.setState(state);
    }
    if (channel === "iopub" && msg.msgType === "execute_input") {
      const count = msg.message().content.execution_count;
      if (typeof count === "number") this.executionCount = count;
    }
    if (channel !== "iopub") {
      const parent = msg.parentId;
      const waiter = parent ? this.replyWaiters.get(parent) : undefined;
      if (waiter && msg.msgType.endsWith("_reply")) {
        this.replyWaiters.delete(parent!);
        waiter(msg);
      }
    }
    this.emit("message", channel, msg);
  }

  private onExit(runtime: Runtime, code: number | null, signal: NodeJS.Signals | null) {
    if (runtime !== this.runtime || runtime.ending || runtime.starting) return;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const tail = runtime.process.logs().trim().split("\n").slice(-5).join("\n");
    void this.die(runtime, `The kernel ${how}${tail ? `:\n${tail}` : ""}`);
  }

  private async die(runtime: Runtime, reason: string) {
    if (runtime !== this.runtime || runtime.ending) return;
    this.log.warn({ kernelId: this.id, reason }, "kernel died");
    await this.endRuntime(runtime, true);
    this.setState("dead");
    this.emit("died", reason);
  }

  private startHeartbeat(runtime: Runtime) {
    clearTimeout(this.heartbeat);
    let misses = 0;
    const beat = async () => {
      if (runtime !== this.runtime || runtime.ending) return;
      const ok = await runtime.sockets.ping(this.timings.heartbeatIntervalMs);
      if (runtime !== this.runtime || runtime.ending) return;
      misses = ok ? 0 : misses + 1;
      if (misses >= this.timings.heartbeatMisses) {
        await this.die(runtime, `The kernel stopped answering heartbeats (${misses} missed)`);
        return;
      }
      this.heartbeat = setTimeout(beat, this.timings.heartbeatIntervalMs);
      this.heartbeat.unref();
    };
    this.heartbeat = setTimeout(beat, this.timings.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** A message from the server's own session. */
  message(msgType: string, content: Record<string, unknown>, metadata: Record<string, unknown> = {}): RawMessage {
    return RawMessage.from({ header: newHeader(msgType, this.session), parent_header: {}, metadata, content });
  }

  /** Sends a message to the kernel as it is (already with its header). */
  send(channel: Exclude<Channel, "iopub">, msg: RawMessage): Promise<void> {
    const runtime = this.runtime;
    if (!runtime || runtime.ending) return Promise.reject(notRunning("The kernel is not running"));
    this.lastActivity = new Date();
    return runtime.sockets.send(channel, msg);
  }

  /** Sends a request and waits for its reply on the same channel. */
  request(
    channel: "shell" | "control",
    msg: RawMessage,
    timeoutMs: number,
    runtime = this.runtime,
  ): Promise<RawMessage> {
    if (!runtime || runtime.ending) return Promise.reject(notRunning("The kernel is not running"));
    const id = msg.header.msg_id;
    return new Promise<RawMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replyWaiters.delete(id);
        reject(new Error(`No ${msg.msgType.replace("_request", "_reply")} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.replyWaiters.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      runtime.sockets.send(channel, msg).catch((err) => {
        clearTimeout(timer);
        this.replyWaiters.delete(id);
        reject(err);
      });
    });
  }

  /** Interrupts the running code, the way the kernelspec asks (SIGINT to the process group, or a message). */
  async interrupt(): Promise<void> {
    const runtime = this.runtime;
    if (!runtime || runtime.ending || !this.alive) throw notRunning("The kernel is not running");
    if (this.spec.interrupt_mode === "message") {
      await this.request("control", this.message("interrupt_request", {}), 5000);
      return;
    }
    // In a sandbox, not bubblewrap (SIGINT ends it, and the sandbox with it): what runs inside.
    const pid = runtime.process.pid;
    if (runtime.sandboxed && pid) for (const p of sandboxedProcesses(pid)) signalPid(p, "SIGINT");
    else runtime.process.signal("SIGINT");
  }

  /** Replaces the process with a fresh one under the same id. */
  async restart(): Promise<void> {
    if (this.stopping) throw notRunning("The kernel is shutting down");
    this.setState("restarting");
    const runtime = this.runtime;
    if (runtime) await this.stopRuntime(runtime, true);
    await this.start();
    this.emit("restarted");
  }

  /** Stops the kernel for good. */
  async shutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.heartbeat);
    const runtime = this.runtime;
    if (runtime && !runtime.ending) {
      this.setState("terminating");
      await this.stopRuntime(runtime, false);
    }
    this.setState("dead");
    this.removeAllListeners("message");
  }

  /** shutdown_request, then SIGTERM, then SIGKILL, each after the grace time. */
  private async stopRuntime(runtime: Runtime, restart: boolean) {
    if (runtime.ending) return runtime.exited;
    runtime.ending = true;
    if (runtime.process.running) {
      runtime.sockets.send("control", this.message("shutdown_request", { restart })).catch(() => {});
      const grace = this.timings.shutdownGraceMs;
      const timedOut = (ms: number) => new Promise<boolean>((r) => setTimeout(() => r(true), ms).unref());
      if (await Promise.race([runtime.exited.then(() => false), timedOut(grace)])) await runtime.process.stop(grace);
    }
    await this.endRuntime(runtime, true);
  }

  /** Frees what a process held: sockets, connection file, the launch hooks' resources, its group. */
  private async endRuntime(runtime: Runtime, waitExit: boolean) {
    runtime.ending = true;
    clearTimeout(this.heartbeat);
    // The process and whatever it left behind in its group (the group outlives its leader).
    runtime.process.signal("SIGKILL");
    if (waitExit) await runtime.exited;
    runtime.sockets.close();
    await rm(runtime.connectionFile, { force: true });
    try {
      await runtime.release?.();
    } catch (err) {
      this.log.warn({ err, kernelId: this.id }, "releasing a kernel's launch resources failed");
    }
  }

  /** Ties resources to the current process (a pooled kernel adopted by an owner). */
  adoptRelease(release: () => void | Promise<void>, record: Record<string, unknown> = {}) {
    this.launchRecord = { ...this.launchRecord, ...record };
    const runtime = this.runtime;
    if (!runtime) return;
    const previous = runtime.release;
    runtime.release = async () => {
      await previous?.();
      await release();
    };
  }

  model() {
    return {
      id: this.id,
      name: this.spec.name,
      last_activity: this.lastActivity.toISOString(),
      execution_state: this.state,
      connections: this.connections,
    };
  }
}
