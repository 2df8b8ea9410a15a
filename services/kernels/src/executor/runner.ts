import type { Logger } from "pino";
import type { Channel } from "../channels.ts";
import type { Kernel } from "../kernel.ts";
import type { KernelManager, KernelOwner } from "../manager.ts";
import { type DisplayIndex, type OutputLimits, OutputWriter } from "../outputs.ts";
import type { RawMessage } from "../wire.ts";
import { PublishedState } from "./document.ts";
import { answerInput, publishInputRequest } from "./input.ts";
import { applyIopub } from "./iopub.ts";
import { KernelLink } from "./kernel-link.ts";
import type { CellMagic } from "./magic.ts";
import { QueuedCell } from "./queued-cell.ts";
import { RunningCell } from "./running-cell.ts";
import type { CellOutcome, ExecutionRecord, OpenDoc } from "./types.ts";
import { WidgetBridge } from "./widgets.ts";

/** What a runner needs from the executor that holds it. */
export interface RunnerContext {
  manager: KernelManager;
  openDoc: OpenDoc;
  limits: OutputLimits;
  log: Logger;
  recordExecution(record: ExecutionRecord): void;
  /** Takes some cells before the kernel sees them (`%pip install`). */
  magic?: CellMagic;
}

/** One notebook's queue of cell runs on its kernel, one cell at a time. */
export class NotebookRunner {
  readonly queue: QueuedCell[] = [];
  running?: RunningCell;
  readonly state: PublishedState;
  readonly link: KernelLink;
  private readonly displays: DisplayIndex = new Map();
  private readonly widgets: WidgetBridge;
  private loop?: Promise<void>;
  /** The cell magic under way (`%pip install`), for an interrupt to stop. */
  private magicRun?: AbortController;

  constructor(
    readonly notebookId: string,
    private readonly x: RunnerContext,
  ) {
    this.state = new PublishedState(notebookId, x.openDoc);
    this.link = new KernelLink(x.manager, this.state, {
      message: (channel, msg) => this.onMessage(channel, msg),
      died: (reason) => this.failAll(`The kernel died. ${reason}\nRestart the kernel to run cells again.`),
    });
    this.widgets = new WidgetBridge(this.state, () => this.liveKernel());
  }

  get kernel(): Kernel | undefined {
    return this.link.kernel;
  }

  liveKernel(): Kernel | undefined {
    return this.link.live();
  }

  ensureKernel(owner: KernelOwner, spec?: string): Promise<Kernel> {
    return this.link.ensure(owner, spec);
  }

  /** Queues cells (a cell already running or queued keeps its place); returns each cell's outcome. */
  enqueue(cellIds: string[], user: KernelOwner["user"], allowStdin: boolean, clientId?: number) {
    const cells = cellIds.map((cellId) => {
      if (this.running?.cellId === cellId) return this.running.queued;
      const waiting = this.queue.find((j) => j.cellId === cellId);
      if (waiting) return waiting;
      const queued = new QueuedCell(cellId, user, allowStdin, clientId);
      this.queue.push(queued);
      return queued;
    });
    // "queued" until it starts (then "running"): collaborators see the queue.
    void this.state.markQueued(cellIds, (id) => this.queue.some((j) => j.cellId === id)).catch(() => {});
    this.kick();
    return cells.map((j) => ({ cellId: j.cellId, outcome: j.outcome }));
  }

  private kick() {
    this.loop ??= this.drain()
      .catch((err) => {
        this.x.log.error({ err, notebookId: this.notebookId }, "running cells failed");
        this.settle(this.queue.splice(0), "Running the cells failed");
      })
      .finally(() => {
        this.loop = undefined;
        if (this.queue.length) this.kick();
        else this.releaseDoc();
      });
  }

  private releaseDoc() {
    if (this.running || this.queue.length || this.loop) return;
    // Keep the doc while a kernel is attached: its state is shown there.
    if (this.liveKernel()) return;
    this.state.release();
  }

  private async drain() {
    while (this.queue.length) {
      const queued = this.queue.shift()!;
      const kernel = this.liveKernel();
      if (!kernel?.alive) {
        await this.cancel([queued, ...this.queue.splice(0)], "The kernel is not running");
        return;
      }
      let outcome: CellOutcome | undefined;
      try {
        outcome = await this.run(kernel, queued);
      } catch (err) {
        queued.done({ status: "cancelled", reason: "Running the cell failed" });
        throw err;
      }
      // Not a code cell (any more): nothing ran, the queue goes on.
      queued.done(outcome ?? { status: "cancelled", reason: "The cell is not a code cell" });
      // Like Jupyter: an error stops the rest of the queue.
      if (outcome && outcome.status !== "ok") await this.cancel(this.queue.splice(0), "An earlier cell did not finish");
    }
  }

  /** Tells the queued cells they will not run. */
  private settle(cells: QueuedCell[], reason: string) {
    for (const cell of cells) cell.done({ status: "cancelled", reason });
  }

  /** Takes cells out of the queue: they go back to idle. */
  private async cancel(cells: QueuedCell[], reason: string) {
    this.settle(cells, reason);
    await this.state.setIdle(cells.map((j) => j.cellId));
  }

  /** Runs one cell; undefined when it is not a code cell. */
  private async run(kernel: Kernel, queued: QueuedCell): Promise<CellOutcome | undefined> {
    // The source as it is now, not when the run was asked for.
    let code = await this.state.beginCell(queued.cellId);
    if (code === undefined) return undefined;
    const startedAt = new Date();
    const writer = new OutputWriter(() => this.state.current, queued.cellId, this.x.limits, this.displays);
    if (this.x.magic?.claims(code)) {
      const m = await this.runMagic(kernel, queued, code, writer);
      if ("failure" in m) {
        const { ename, evalue } = m.failure;
        writer.add({ output_type: "error", ename, evalue, traceback: [`${ename}: ${evalue}`] });
        return this.finish(m.kernel, queued, startedAt, writer, "error", m.failure);
      }
      kernel = m.kernel;
      if (m.rest === null) return this.finish(kernel, queued, startedAt, writer, "ok");
      code = m.rest;
    }
    const msg = kernel.message("execute_request", {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: queued.allowStdin,
      stop_on_error: true,
    });
    const running = new RunningCell(queued, msg.header.msg_id, writer);
    this.running = running;
    kernel.send("shell", msg).catch((err) => running.finish(`Could not reach the kernel: ${err.message}`));
    const failure = await running.ended;
    this.running = undefined;
    if (running.input) await this.state.publish({ input_request: undefined }).catch(() => {});
    if (failure) writer.add({ output_type: "error", ename: "KernelError", evalue: failure, traceback: [failure] });
    const status = failure ? "error" : running.status === "aborted" ? "aborted" : (running.status ?? "ok");
    const error = running.error ?? (failure ? { ename: "KernelError", evalue: failure } : undefined);
    return this.finish(
      kernel,
      queued,
      startedAt,
      writer,
      status === "ok" ? "ok" : status === "aborted" ? "aborted" : "error",
      error,
    );
  }

  /**
   * Gives a claimed cell to the magic hook (`%pip install`): the kernel to go on with (a new one when
   * the notebook moved to another environment) and the code left for it (null: nothing), or why it failed.
   */
  private async runMagic(
    kernel: Kernel,
    queued: QueuedCell,
    code: string,
    writer: OutputWriter,
  ): Promise<{ kernel: Kernel; rest: string | null } | { kernel: Kernel; failure: { ename: string; evalue: string } }> {
    const abort = new AbortController();
    this.magicRun = abort;
    try {
      const m = await this.x.magic!.run({
        notebookId: this.notebookId,
        code,
        kernelspec: { name: kernel.spec.name, metadata: kernel.spec.metadata },
        userId: queued.user.id,
        write: (text) => writer.stream("stdout", text),
        signal: abort.signal,
      });
      if (m.kind === "pass") return { kernel, rest: code };
      if (m.kind === "error") return { kernel, failure: { ename: m.ename, evalue: m.evalue } };
      let next = kernel;
      if (m.switchTo) {
        const owner = { ...this.x.manager.ownerOf(kernel.id), notebookId: this.notebookId, user: queued.user };
        const moved = await this.link.replace(owner, m.switchTo);
        next = moved.kernel;
        if (moved.old && moved.old !== next) await this.x.manager.shutdown(moved.old.id);
      }
      if (m.message) writer.stream("stdout", m.message);
      return { kernel: next, rest: m.rest.trim() ? m.rest : null };
    } catch (err) {
      this.x.log.warn({ err, notebookId: this.notebookId }, "a cell magic failed");
      return { kernel: this.liveKernel() ?? kernel, failure: { ename: "KernelError", evalue: (err as Error).message } };
    } finally {
      if (this.magicRun === abort) this.magicRun = undefined;
    }
  }

  /** Ends a cell's run: outputs flushed, the run recorded, its cell idle with where it ran. */
  private finish(
    kernel: Kernel,
    queued: QueuedCell,
    startedAt: Date,
    writer: OutputWriter,
    status: ExecutionRecord["status"],
    error?: { ename: string; evalue: string },
  ): CellOutcome {
    writer.close();
    const executionCount = this.state.countOf(queued.cellId);
    const record: ExecutionRecord = {
      notebookId: this.notebookId,
      cellId: queued.cellId,
      kernelId: kernel.id,
      kernelspec: kernel.spec.name,
      userId: queued.user.id,
      executionCount,
      status,
      startedAt,
      finishedAt: new Date(),
      launch: kernel.launchRecord,
    };
    this.x.recordExecution(record);
    this.state.finishCell(record);
    if (status === "ok") return { status: "ok", executionCount };
    if (status === "aborted") return { status: "cancelled", reason: "The kernel aborted the cell" };
    return { status: "error", ...(error ?? { ename: "", evalue: "" }), executionCount };
  }

  private onMessage(channel: Channel, msg: RawMessage) {
    // Widget comms go to the document whichever request they answer (a cell, or a collaborator's change).
    if (
      channel === "iopub" &&
      msg.msgType.startsWith("comm_") &&
      this.widgets.handle(msg.msgType, msg.message().content)
    )
      return;
    const r = this.running;
    if (!r || msg.parentId !== r.msgId) return;
    if (channel === "stdin" && msg.msgType === "input_request") return publishInputRequest(this.state, r, msg);
    if (channel === "shell" && msg.msgType === "execute_reply") {
      const c = msg.message().content;
      if (typeof c.execution_count === "number") this.state.setCount(r.cellId, c.execution_count);
      r.reply(c);
      return;
    }
    if (channel !== "iopub") return;
    const c = msg.message().content;
    if (msg.msgType === "status") {
      if (c.execution_state === "idle") r.wentIdle();
      return;
    }
    applyIopub(msg.msgType, c, {
      writer: r.writer,
      doc: () => this.state.current,
      displays: this.displays,
      setCount: (count) => this.state.setCount(r.cellId, count),
      error: (ename, evalue) => {
        r.error ??= { ename, evalue };
      },
    });
  }

  answerInput(userId: string, value: string): Promise<boolean> {
    return answerInput(this.state, this.liveKernel(), this.running, userId, value);
  }

  /** Stops the queue: the running cell gets `reason` as an error, queued cells go back to idle. */
  failAll(reason: string) {
    void this.cancel(this.queue.splice(0), reason).catch(() => {});
    this.running?.finish(reason);
  }

  /** An interrupt: the queue is emptied and a cell magic under way (a `%pip` build) is stopped. */
  interrupted() {
    this.magicRun?.abort();
    void this.cancel(this.queue.splice(0), "The kernel was interrupted").catch(() => {});
  }

  async close() {
    this.link.stopListening();
    this.settle(this.queue.splice(0), "The kernel was shut down");
    this.running?.finish("The kernel was shut down");
    await this.loop?.catch(() => {});
    await this.state
      .publish({ state: "dead", id: undefined, input_request: undefined, reason: "shut down" })
      .catch(() => {});
    this.link.kernel = undefined;
    this.state.release();
  }
}
