import { cellsOf, type JsonValue, type NbOutput, SERVER_ORIGIN, setCellMetadata } from "@tandem/notebook";
import type { Logger } from "pino";
import * as Y from "yjs";
import type { Channel } from "./channels.ts";
import type { Kernel } from "./kernel.ts";
import type { KernelManager, KernelOwner } from "./manager.ts";
import { type DisplayIndex, type OutputLimits, OutputWriter, updateDisplay } from "./outputs.ts";
import { RawMessage } from "./wire.ts";

/** The live document of a notebook (collab's room), held until released. */
export type OpenDoc = (notebookId: string) => Promise<{ readonly doc: Y.Doc; release(): void }>;

/** Which cells to run: ids, everything, or relative to one cell. */
export type CellSelection = string[] | "all" | "above" | "below";

export interface ExecuteRequest {
  cells: CellSelection;
  /** The cell that "above"/"below" are relative to ("above" excludes it, "below" includes it). */
  cellId?: string;
  /** The Yjs client id of the browser that asked: input() prompts are addressed to it. */
  clientId?: number;
  /** Whether the asker can answer input(); when false, input() raises in the kernel as in Jupyter. */
  allowStdin?: boolean;
  kernelspec?: string;
}

/** One finished cell run, for whoever records executions (tracking, audit). */
export interface ExecutionRecord {
  notebookId: string;
  cellId: string;
  kernelId: string;
  kernelspec: string;
  userId: string;
  executionCount: number | null;
  status: "ok" | "error" | "aborted";
  startedAt: Date;
  finishedAt: Date;
  /** The launch hooks' records for the kernel process (environment identity, GPUs). */
  launch: Record<string, unknown>;
}

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

export type ExecutionListener = (record: ExecutionRecord) => void | Promise<void>;

/** The shared-document root map that shows the notebook's kernel to every collaborator (not exported to .ipynb). */
export const KERNEL_MAP = "tandem_kernel";

interface Job {
  cellId: string;
  user: KernelOwner["user"];
  clientId?: number;
  allowStdin: boolean;
}

interface Running extends Job {
  msgId: string;
  writer: OutputWriter;
  replied: boolean;
  idle: boolean;
  done: (error?: string) => void;
  input?: RawMessage;
  status?: string;
}

export class NotebookBusyError extends Error {}

/** One notebook's queue of cell runs on its kernel. */
class NotebookRunner {
  kernel?: Kernel;
  readonly queue: Job[] = [];
  running?: Running;
  private handle?: { readonly doc: Y.Doc; release(): void };
  private readonly displays: DisplayIndex = new Map();
  private loop?: Promise<void>;
  private starting?: Promise<Kernel>;
  private detach?: () => void;

  constructor(
    readonly notebookId: string,
    private readonly x: Executor,
  ) {}

  private async doc(): Promise<Y.Doc> {
    this.handle ??= await this.x.openDoc(this.notebookId);
    return this.handle.doc;
  }

  /** Shows the kernel's state in the document (a root map beside the notebook). */
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

  liveKernel(): Kernel | undefined {
    const k = this.kernel;
    return k && this.x.manager.get(k.id) === k ? k : undefined;
  }

  async ensureKernel(owner: KernelOwner, spec?: string): Promise<Kernel> {
    const live = this.liveKernel();
    if (live) return live;
    this.starting ??= (async () => {
      await this.publish({ state: "starting", reason: undefined, id: undefined });
      try {
        const kernel = await this.x.manager.start(spec, owner);
        this.attach(kernel);
        return kernel;
      } catch (err) {
        await this.publish({ state: "dead", reason: (err as Error).message });
        throw err;
      }
    })().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private attach(kernel: Kernel) {
    this.detach?.();
    this.kernel = kernel;
    const onMessage = (channel: Channel, msg: RawMessage) => this.onMessage(channel, msg);
    const onState = (state: string) => void this.publish({ state }).catch(() => {});
    const onDied = (reason: string) => {
      void this.publish({ state: "dead", reason }).catch(() => {});
      this.failAll(`The kernel died. ${reason}\nRestart the kernel to run cells again.`);
    };
    kernel.on("message", onMessage);
    kernel.on("state", onState);
    kernel.on("died", onDied);
    this.detach = () => {
      kernel.off("message", onMessage);
      kernel.off("state", onState);
      kernel.off("died", onDied);
    };
    void this.publish({
      id: kernel.id,
      name: kernel.spec.name,
      display_name: kernel.spec.display_name,
      language: kernel.spec.language,
      state: kernel.state,
      reason: undefined,
    }).catch(() => {});
  }

  enqueue(cellIds: string[], job: Omit<Job, "cellId">) {
    for (const cellId of cellIds) {
      if (this.running?.cellId === cellId || this.queue.some((j) => j.cellId === cellId)) continue;
      this.queue.push({ ...job, cellId });
    }
    void this.markQueued(cellIds).catch(() => {});
    this.kick();
  }

  private kick() {
    this.loop ??= this.drain()
      .catch((err) => {
        this.x.log.error({ err, notebookId: this.notebookId }, "running cells failed");
        this.queue.splice(0);
      })
      .finally(() => {
        this.loop = undefined;
        if (this.queue.length) this.kick();
        else this.releaseDoc();
      });
  }

  private async markQueued(cellIds: string[]) {
    const doc = await this.doc();
    doc.transact(() => {
      for (const cell of cellsOf(doc)) {
        // "queued" until it starts (then "running"): collaborators see the queue.
        const id = String(cell.get("id"));
        // Only cells still waiting (marking may trail the first cell's start).
        if (cellIds.includes(id) && this.queue.some((j) => j.cellId === id)) {
          cell.set("execution_state", "queued");
        }
      }
    }, SERVER_ORIGIN);
  }

  private releaseDoc() {
    if (this.running || this.queue.length || this.loop) return;
    // Keep the doc while a kernel is attached: its state is shown there.
    if (this.liveKernel()) return;
    this.handle?.release();
    this.handle = undefined;
  }

  private async drain() {
    while (this.queue.length) {
      const job = this.queue.shift()!;
      const kernel = this.liveKernel();
      if (!kernel?.alive) {
        await this.setIdle([job.cellId, ...this.queue.splice(0).map((j) => j.cellId)]);
        return;
      }
      const ok = await this.run(kernel, job);
      // Like Jupyter: an error stops the rest of the queue.
      if (!ok) await this.setIdle(this.queue.splice(0).map((j) => j.cellId));
    }
  }

  private async setIdle(cellIds: string[]) {
    if (!cellIds.length) return;
    const doc = await this.doc();
    doc.transact(() => {
      for (const cell of cellsOf(doc))
        if (cellIds.includes(String(cell.get("id")))) cell.set("execution_state", "idle");
    }, SERVER_ORIGIN);
  }

  /** Runs one cell; resolves false when it ended in error (or the kernel died). */
  private async run(kernel: Kernel, job: Job): Promise<boolean> {
    const doc = await this.doc();
    const cell = cellsOf(doc)
      .toArray()
      .find((c) => c.get("id") === job.cellId);
    if (cell?.get("cell_type") !== "code") return true;
    // The source as it is now, not when the run was asked for.
    const code = String(cell.get("source") ?? "");
    doc.transact(() => {
      const outputs = cell.get("outputs");
      if (outputs instanceof Y.Array) outputs.delete(0, outputs.length);
      else cell.set("outputs", new Y.Array());
      cell.set("execution_count", null);
      cell.set("execution_state", "running");
    }, SERVER_ORIGIN);
    const msg = kernel.message("execute_request", {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: job.allowStdin,
      stop_on_error: true,
    });
    const startedAt = new Date();
    const writer = new OutputWriter(() => this.handle?.doc, job.cellId, this.x.limits, this.displays);
    let error: string | undefined;
    await new Promise<void>((resolve) => {
      this.running = {
        ...job,
        msgId: msg.header.msg_id,
        writer,
        replied: false,
        idle: false,
        done: (e) => {
          error = e;
          resolve();
        },
      };
      kernel.send("shell", msg).catch((err) => this.running?.done(`Could not reach the kernel: ${err.message}`));
    });
    const running = this.running!;
    this.running = undefined;
    if (running.input) await this.publish({ input_request: undefined }).catch(() => {});
    if (error) writer.add({ output_type: "error", ename: "KernelError", evalue: error, traceback: [error] });
    writer.close();
    const status = error ? "error" : (running.status ?? "ok");
    const countNow = this.handle?.doc
      ? cellsOf(this.handle.doc)
          .toArray()
          .find((x) => x.get("id") === job.cellId)
          ?.get("execution_count")
      : null;
    const record: ExecutionRecord = {
      notebookId: this.notebookId,
      cellId: job.cellId,
      kernelId: kernel.id,
      kernelspec: kernel.spec.name,
      userId: job.user.id,
      executionCount: typeof countNow === "number" ? countNow : null,
      status: status === "ok" ? "ok" : status === "aborted" ? "aborted" : "error",
      startedAt,
      finishedAt: new Date(),
      launch: kernel.launchRecord,
    };
    this.x.recordExecution(record);
    const d = this.handle?.doc;
    if (d) {
      d.transact(() => {
        const c = cellsOf(d)
          .toArray()
          .find((x) => x.get("id") === job.cellId);
        c?.set("execution_state", "idle");
        // Where and when the cell last ran (environment, GPUs, driver) stays with the notebook,
        // in its .ipynb too, so a result can be traced to what produced it.
        if (c) setCellMetadata(d, job.cellId, "tandem_execution", executionMetadata(record));
      }, SERVER_ORIGIN);
    }
    return status === "ok";
  }

  private onMessage(channel: Channel, msg: RawMessage) {
    const r = this.running;
    if (!r || msg.parentId !== r.msgId) return;
    if (channel === "stdin" && msg.msgType === "input_request") {
      r.input = msg;
      const c = msg.message().content;
      void this.publish({
        input_request: {
          cellId: r.cellId,
          prompt: String(c.prompt ?? ""),
          password: Boolean(c.password),
          clientId: r.clientId ?? null,
          userId: r.user.id,
        },
      }).catch(() => {});
      return;
    }
    if (channel === "shell" && msg.msgType === "execute_reply") {
      const c = msg.message().content;
      r.status = String(c.status);
      if (typeof c.execution_count === "number") this.setCount(r.cellId, c.execution_count);
      r.replied = true;
      if (r.idle) r.done();
      return;
    }
    if (channel !== "iopub") return;
    const c = msg.message().content;
    switch (msg.msgType) {
      case "status":
        if (c.execution_state === "idle") {
          r.idle = true;
          if (r.replied) r.done();
        }
        break;
      case "execute_input":
        if (typeof c.execution_count === "number") this.setCount(r.cellId, c.execution_count);
        break;
      case "stream":
        r.writer.stream(String(c.name ?? "stdout"), String(c.text ?? ""));
        break;
      case "display_data":
        r.writer.add(
          { output_type: "display_data", data: c.data ?? {}, metadata: c.metadata ?? {} } as unknown as NbOutput,
          displayIdOf(c),
        );
        break;
      case "execute_result":
        r.writer.add(
          {
            output_type: "execute_result",
            execution_count: c.execution_count ?? null,
            data: c.data ?? {},
            metadata: c.metadata ?? {},
          } as unknown as NbOutput,
          displayIdOf(c),
        );
        break;
      case "error":
        r.writer.add({
          output_type: "error",
          ename: String(c.ename ?? "Error"),
          evalue: String(c.evalue ?? ""),
          traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
        } as NbOutput);
        break;
      case "clear_output":
        r.writer.clear(Boolean(c.wait));
        break;
      case "update_display_data": {
        const id = displayIdOf(c);
        if (id && this.handle) {
          r.writer.flush(true);
          updateDisplay(this.handle.doc, this.displays, id, c.data ?? {}, c.metadata ?? {});
        }
        break;
      }
    }
  }

  private setCount(cellId: string, count: number) {
    const d = this.handle?.doc;
    if (!d) return;
    d.transact(() => {
      const c = cellsOf(d)
        .toArray()
        .find((x) => x.get("id") === cellId);
      if (c && c.get("execution_count") !== count) c.set("execution_count", count);
    }, SERVER_ORIGIN);
  }

  /** Answers the pending input() of the running cell. */
  async answerInput(userId: string, value: string): Promise<boolean> {
    const r = this.running;
    const kernel = this.liveKernel();
    if (!r?.input || !kernel) return false;
    if (r.user.id !== userId) throw new NotebookBusyError("Only the person who ran the cell can answer its input");
    const request = r.input;
    r.input = undefined;
    await kernel.send("stdin", withParent(kernel.message("input_reply", { value }), request));
    await this.publish({ input_request: undefined });
    return true;
  }

  /** Stops the queue: the running cell gets `reason` as an error, queued cells go back to idle. */
  failAll(reason: string) {
    const queued = this.queue.splice(0).map((j) => j.cellId);
    void this.setIdle(queued).catch(() => {});
    this.running?.done(reason);
  }

  clearQueue() {
    void this.setIdle(this.queue.splice(0).map((j) => j.cellId)).catch(() => {});
  }

  async close() {
    this.detach?.();
    this.queue.splice(0);
    this.running?.done("The kernel was shut down");
    await this.loop?.catch(() => {});
    await this.publish({ state: "dead", id: undefined, input_request: undefined, reason: "shut down" }).catch(() => {});
    this.kernel = undefined;
    this.handle?.release();
    this.handle = undefined;
  }
}

function displayIdOf(content: Record<string, unknown>): string | undefined {
  const transient = content.transient as { display_id?: unknown } | undefined;
  return typeof transient?.display_id === "string" ? transient.display_id : undefined;
}

function withParent(msg: RawMessage, parent: RawMessage): RawMessage {
  const m = msg.message();
  return RawMessage.from({ header: m.header, parent_header: parent.header, metadata: m.metadata, content: m.content });
}

/** Runs notebook cells on each notebook's kernel and writes what they produce into the document. */
export class Executor {
  private readonly runners = new Map<string, NotebookRunner>();
  readonly listeners: ExecutionListener[] = [];

  constructor(
    readonly manager: KernelManager,
    readonly openDoc: OpenDoc,
    readonly limits: OutputLimits,
    readonly log: Logger,
  ) {
    manager.hasPendingWork = (kernelId) =>
      [...this.runners.values()].some((r) => r.kernel?.id === kernelId && (r.running || r.queue.length > 0));
  }

  recordExecution(record: ExecutionRecord) {
    for (const listener of this.listeners) {
      Promise.resolve()
        .then(() => listener(record))
        .catch((err) => this.log.warn({ err, notebookId: record.notebookId }, "an execution listener failed"));
    }
  }

  private runner(notebookId: string): NotebookRunner {
    let r = this.runners.get(notebookId);
    if (!r) {
      r = new NotebookRunner(notebookId, this);
      this.runners.set(notebookId, r);
    }
    return r;
  }

  kernelOf(notebookId: string): Kernel | undefined {
    return this.runners.get(notebookId)?.liveKernel();
  }

  status(notebookId: string) {
    const r = this.runners.get(notebookId);
    const kernel = r?.liveKernel();
    return {
      kernel: kernel ? { ...kernel.model(), display_name: kernel.spec.display_name } : null,
      running: r?.running?.cellId ?? null,
      queued: r?.queue.map((j) => j.cellId) ?? [],
    };
  }

  async startKernel(notebookId: string, owner: KernelOwner, spec?: string): Promise<Kernel> {
    return this.runner(notebookId).ensureKernel(owner, spec);
  }

  /** Queues cells; starts the notebook's kernel when it has none. Returns the queued cell ids. */
  async execute(notebookId: string, owner: KernelOwner, req: ExecuteRequest): Promise<string[]> {
    const r = this.runner(notebookId);
    const live = r.liveKernel();
    if (live && live.state === "dead") throw new KernelDeadError();
    const doc = await this.openDoc(notebookId);
    let ids: string[];
    try {
      ids = selectCells(doc.doc, req);
    } finally {
      doc.release();
    }
    await r.ensureKernel(owner, req.kernelspec);
    r.enqueue(ids, {
      user: owner.user,
      clientId: req.clientId,
      allowStdin: req.allowStdin ?? req.clientId !== undefined,
    });
    return ids;
  }

  async interrupt(notebookId: string): Promise<void> {
    const kernel = this.kernelOf(notebookId);
    if (!kernel) throw new NoKernelError();
    this.runners.get(notebookId)?.clearQueue();
    await kernel.interrupt();
  }

  /** Restarts the notebook's kernel (dead or alive); with `runAll`, then runs every code cell. */
  async restart(notebookId: string, owner: KernelOwner, runAll = false): Promise<Kernel> {
    const r = this.runner(notebookId);
    const kernel = r.liveKernel();
    if (!kernel) throw new NoKernelError();
    r.failAll("The kernel was restarted");
    await kernel.restart();
    if (runAll) await this.execute(notebookId, owner, { cells: "all" });
    return kernel;
  }

  async answerInput(notebookId: string, userId: string, value: string): Promise<boolean> {
    return (await this.runners.get(notebookId)?.answerInput(userId, value)) ?? false;
  }

  async shutdown(notebookId: string): Promise<boolean> {
    const r = this.runners.get(notebookId);
    const kernel = r?.liveKernel();
    if (!r || !kernel) return false;
    this.runners.delete(notebookId);
    await r.close();
    await this.manager.shutdown(kernel.id);
    return true;
  }

  /** Called when a kernel is shut down from elsewhere (Jupyter API, idle cull). */
  async forget(kernelId: string) {
    for (const [id, r] of this.runners) {
      if (r.kernel?.id === kernelId) {
        this.runners.delete(id);
        await r.close();
      }
    }
  }

  async close() {
    await Promise.allSettled([...this.runners.values()].map((r) => r.close()));
    this.runners.clear();
  }
}

export class KernelDeadError extends Error {
  constructor() {
    super("The notebook's kernel is dead: restart it to run cells again");
  }
}
export class NoKernelError extends Error {
  constructor() {
    super("The notebook has no running kernel");
  }
}

export class UnknownCellError extends Error {}

function selectCells(doc: Y.Doc, req: ExecuteRequest): string[] {
  const cells = cellsOf(doc).toArray();
  const code = (c: Y.Map<unknown>) => c.get("cell_type") === "code";
  const ids = (list: Y.Map<unknown>[]) => list.filter(code).map((c) => String(c.get("id")));
  if (Array.isArray(req.cells)) {
    const known = new Set(cells.map((c) => String(c.get("id"))));
    const missing = req.cells.filter((id) => !known.has(id));
    if (missing.length) throw new UnknownCellError(`No cell with id ${missing.map((m) => `'${m}'`).join(", ")}`);
    const wanted = new Set(req.cells);
    return ids(cells.filter((c) => wanted.has(String(c.get("id")))));
  }
  if (req.cells === "all") return ids(cells);
  const at = cells.findIndex((c) => c.get("id") === req.cellId);
  if (at < 0)
    throw new UnknownCellError(req.cellId ? `No cell with id '${req.cellId}'` : `"${req.cells}" needs a cellId`);
  return ids(req.cells === "above" ? cells.slice(0, at) : cells.slice(at));
}
