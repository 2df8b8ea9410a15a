import type { Logger } from "pino";
import { kernelDead, noKernel } from "../errors.ts";
import type { Kernel } from "../kernel.ts";
import type { KernelManager, KernelOwner } from "../manager.ts";
import type { OutputLimits } from "../outputs.ts";
import type { CellMagic } from "./magic.ts";
import { NotebookRunner } from "./runner.ts";
import { selectCells } from "./select.ts";
import type { ExecuteRequest, ExecutionListener, ExecutionRecord, OpenDoc, QueuedCell } from "./types.ts";

/** Runs notebook cells on each notebook's kernel and writes what they produce into the document. */
export class Executor {
  private readonly runners = new Map<string, NotebookRunner>();
  readonly listeners: ExecutionListener[] = [];

  constructor(
    readonly manager: KernelManager,
    readonly openDoc: OpenDoc,
    readonly limits: OutputLimits,
    readonly log: Logger,
    readonly magic?: CellMagic,
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

  /**
   * Moves the notebook to a kernel of `spec` (another environment): the running cell and the queue
   * stop, the old kernel is shut down. Starts one when the notebook has none; a no-op when it already runs `spec`.
   */
  async switchKernel(notebookId: string, owner: KernelOwner, spec: string): Promise<Kernel> {
    const r = this.runner(notebookId);
    const live = r.liveKernel();
    if (!live) return r.ensureKernel(owner, spec);
    if (live.spec.name === spec.toLowerCase()) return live;
    if (!(await this.manager.hasSpec(spec))) return this.manager.start(spec, owner); // throws no such kernelspec
    r.failAll("The kernel was switched to another environment");
    const { kernel, old } = await r.link.replace(owner, spec);
    if (old && old !== kernel) await this.manager.shutdown(old.id);
    return kernel;
  }

  /** Queues cells; starts the notebook's kernel when it has none. Returns each queued cell with its outcome. */
  async execute(notebookId: string, owner: KernelOwner, req: ExecuteRequest): Promise<QueuedCell[]> {
    const r = this.runner(notebookId);
    const live = r.liveKernel();
    if (live && live.state === "dead") throw kernelDead();
    const doc = await this.openDoc(notebookId);
    let ids: string[];
    try {
      ids = selectCells(doc.doc, req);
    } finally {
      doc.release();
    }
    await r.ensureKernel(owner, req.kernelspec);
    return r.enqueue(ids, owner.user, req.allowStdin ?? req.clientId !== undefined, req.clientId);
  }

  async interrupt(notebookId: string): Promise<void> {
    const kernel = this.kernelOf(notebookId);
    if (!kernel) throw noKernel();
    this.runners.get(notebookId)?.interrupted();
    await kernel.interrupt();
  }

  /** Restarts the notebook's kernel (dead or alive); with `runAll`, then runs every code cell. */
  async restart(notebookId: string, owner: KernelOwner, runAll = false): Promise<Kernel> {
    const r = this.runner(notebookId);
    const kernel = r.liveKernel();
    if (!kernel) throw noKernel();
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
