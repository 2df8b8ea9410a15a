import { schema } from "@tandem/db";
import { kernelspecName } from "@tandem/envs";
import type { CellOutcome, KernelOwner, QueuedCell } from "@tandem/kernels";
import type { Nbformat } from "@tandem/notebook";
import { createNotebook, roleAtLeast, roleOf } from "@tandem/projects";
import type { CellRun, RunError, RunErrorCode } from "@tandem/protocol";
import { eq } from "drizzle-orm";
import type { SchedulerDeps } from "./context.ts";
import { injectParameters, parameterProblems } from "./parameters.ts";
import { logLine, type NotebookRunRow, type NotebookRunSet, updateHeld } from "./queue.ts";

/** Why a run stopped before its cells were done. */
export type StopReason = "cancel" | "timeout" | "lease" | "shutdown";

/** A run's stop switch: the heartbeat, the timeout, a cancel and server shutdown pull it. */
export class RunControl {
  reason?: StopReason;
  private resolve!: (r: StopReason) => void;
  readonly stopped = new Promise<StopReason>((r) => (this.resolve = r));
  stop(reason: StopReason) {
    if (this.reason) return;
    this.reason = reason;
    this.resolve(reason);
  }
}

/** A failure that ends the run with a code (a bad notebook, environment or parameters, a cell error). */
export class RunFailure extends Error {
  constructor(
    readonly code: RunErrorCode,
    message: string,
    readonly cellId: string | null = null,
  ) {
    super(message);
  }
}

/** What an execution ended with; the worker records it (and retries, notifies). */
export interface Outcome {
  status: "succeeded" | "failed" | "cancelled";
  error: RunError | null;
  /** The lease was lost: another worker owns the run now, nothing more is written. */
  lost?: boolean;
  /** The server is stopping: the run goes back to the queue, its attempt not counted. */
  requeue?: boolean;
}

export const ARTIFACT_NAME = "notebook.ipynb";

/** The run's copy starts clean: no outputs, counts or execution records from the interactive notebook. */
function frozen(nb: Nbformat): Nbformat {
  return {
    ...nb,
    cells: nb.cells.map((c) => {
      if (c.cell_type !== "code") return c;
      const { tandem_execution: _, ...metadata } = c.metadata as Record<string, unknown>;
      return { ...c, metadata, outputs: [], execution_count: null } as typeof c;
    }),
  };
}

const codeCells = (nb: Nbformat): CellRun[] =>
  nb.cells
    .map((c, index) => ({ c, index }))
    .filter(({ c }) => c.cell_type === "code")
    .map(({ c, index }) => ({
      cellId: c.id,
      index,
      status: "pending" as const,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
    }));

/** One attempt of one run on this worker. */
export class NotebookRunExecution {
  private cells: CellRun[] = [];
  private owner!: KernelOwner;
  private documentId!: string;
  private kernelspecName?: string;

  constructor(
    private readonly d: SchedulerDeps,
    private run: NotebookRunRow,
    private readonly worker: string,
    readonly control: RunControl,
  ) {}

  private async write(set: NotebookRunSet) {
    if (!(await updateHeld(this.d.db, this.run, this.worker, set))) this.control.stop("lease");
  }

  log(line: string) {
    return this.write({ log: logLine(line, this.d.clock()) });
  }

  /** Runs a queued run: freeze the notebook, inject parameters, start a kernel, run the cells. */
  async execute(): Promise<Outcome> {
    try {
      await this.prepare();
      await this.startKernel();
      return await this.runCells();
    } catch (err) {
      return this.failed(err);
    }
  }

  /** Stops the run's own kernel (MLflow's exit hook ends its run there, so this comes before recording). */
  async stopKernel() {
    if (this.documentId && this.run.trigger !== "detach")
      await this.d.kernels.notebooks.shutdown(this.documentId).catch(() => false);
  }

  /** Runs the rest of an interactive notebook on its own kernel, outputs into the notebook itself. */
  async executeDetached(fromCellId: string | null): Promise<Outcome> {
    try {
      this.documentId = this.run.notebookId!;
      this.owner = await this.ownerFor(this.documentId);
      const nb = await this.d.collab.exportNotebook(this.documentId);
      const start = fromCellId ? nb.cells.findIndex((c) => c.id === fromCellId) : 0;
      if (start < 0) throw new RunFailure("internal", `The notebook has no cell ${fromCellId}`);
      await this.trackingRun();
      this.cells = codeCells(nb).filter((c) => c.index >= start);
      await this.write({ cells: this.cells });
      return await this.runCells();
    } catch (err) {
      return this.failed(err);
    }
  }

  private failed(err: unknown): Outcome {
    if (this.control.reason) return this.stoppedOutcome();
    if (err instanceof RunFailure)
      return { status: "failed", error: { code: err.code, message: err.message, cellId: err.cellId } };
    this.d.log.error({ err, runId: this.run.id }, "run failed unexpectedly");
    return { status: "failed", error: { code: "internal", message: (err as Error).message, cellId: null } };
  }

  private stoppedOutcome(cellId: string | null = null): Outcome {
    switch (this.control.reason) {
      case "cancel":
        return { status: "cancelled", error: null };
      case "timeout":
        return {
          status: "failed",
          error: { code: "timeout", message: `The run went past its timeout of ${this.run.timeoutSeconds} s`, cellId },
        };
      case "shutdown":
        return {
          status: "failed",
          error: { code: "worker_lost", message: "The server stopped while the run was going", cellId },
          requeue: this.run.trigger !== "detach",
        };
      default:
        return { status: "failed", error: null, lost: true };
    }
  }

  private async ownerFor(documentId: string): Promise<KernelOwner> {
    const userId = this.run.createdBy;
    if (!userId) throw new RunFailure("internal", "The person who asked for this run no longer has an account");
    const [user] = await this.d.db.select().from(schema.users).where(eq(schema.users.id, userId)).limit(1);
    if (!user) throw new RunFailure("internal", "The person who asked for this run no longer has an account");
    // A run acts as its owner (kernel token, MLflow): someone no longer editing the project cannot run in it.
    const role = await roleOf(this.d.db, { user }, this.run.projectId);
    if (!role || !roleAtLeast(role, "editor"))
      throw new RunFailure(
        "forbidden",
        `${user.name || user.email}, who this run acts for, no longer edits the project; an editor saving the job makes it run as them`,
      );
    return {
      user: { id: user.id, email: user.email, name: user.name },
      notebookId: documentId,
      projectId: this.run.projectId,
    };
  }

  /** The notebook as it will run: pinned revision or latest, outputs cleared, parameters checked and injected. */
  private async source(): Promise<Nbformat> {
    const { notebookId, revision } = this.run;
    if (!notebookId) throw new RunFailure("notebook_missing", "The notebook was deleted");
    let nb: Nbformat;
    if (revision) {
      const version = await this.d.collab.versions.get(notebookId, revision);
      if (!version) throw new RunFailure("notebook_missing", `The notebook has no version ${revision}`);
      nb = version.notebook;
    } else {
      nb = await this.d.collab.exportNotebook(notebookId);
    }
    const params = this.run.parameters;
    const problems = parameterProblems(nb, params);
    if (problems.length) throw new RunFailure("invalid_parameters", problems.join("; "));
    return injectParameters(frozen(nb), params);
  }

  /** The kernelspec: the run's environment (waiting for its build), else the gateway's default. */
  private async kernelspec(): Promise<string | undefined> {
    const id = this.run.environmentId;
    if (!id) return this.run.kernelspec ?? undefined;
    for (;;) {
      const env = await this.d.envs.settled(id);
      if (!env) throw new RunFailure("environment_unavailable", `The environment ${id} was deleted`);
      if (env.status === "ready") return kernelspecName(id);
      if (env.status === "failed")
        throw new RunFailure("environment_unavailable", `The environment ${env.name} failed to build: ${env.error}`);
      // Built by another server: look again shortly.
      const stop = await Promise.race([this.control.stopped, new Promise((r) => setTimeout(r, 1000))]);
      if (typeof stop === "string") throw new RunFailure("internal", "stopped");
    }
  }

  private async prepare(): Promise<void> {
    const nb = await this.source();
    const kernelspec = await this.kernelspec();
    let documentId = this.run.documentId;
    if (documentId) {
      // A retry starts from a fresh copy in the same document, so its watchers stay.
      await this.d.collab.replaceDocument(documentId, nb);
    } else {
      const row = await createNotebook(
        this.d.db,
        {
          projectId: this.run.projectId,
          name: `${this.run.notebookName} · run #${this.run.number}`,
          kind: "run",
          createdBy: this.run.createdBy,
        },
        (id) => this.d.collab.createDocument(id, nb),
      );
      documentId = row.id;
    }
    this.documentId = documentId;
    this.owner = await this.ownerFor(documentId);
    await this.trackingRun();
    this.cells = codeCells(nb);
    await this.write({ documentId, kernelspec: kernelspec ?? null, cells: this.cells });
    this.kernelspecName = kernelspec;
  }

  /** The experiment run that records this run (one per run, kept across retries). */
  private async trackingRun() {
    const { tracking } = this.d;
    if (this.run.experimentRunId) {
      const row = await tracking.runs.row(this.run.experimentRunId).catch(() => null);
      if (row) {
        await tracking.runs.update(row, { status: "RUNNING" });
        return;
      }
    }
    const experiment = await tracking.experiments.forNotebook({
      notebookId: this.run.notebookId!,
      projectId: this.run.projectId,
      userId: this.run.createdBy,
    });
    const tags = [
      { key: "tandem.runId", value: this.run.id },
      { key: "tandem.trigger", value: this.run.trigger },
      { key: "tandem.notebookId", value: this.run.notebookId! },
    ];
    if (this.run.jobId) tags.push({ key: "tandem.jobId", value: this.run.jobId });
    if (this.run.revision) tags.push({ key: "tandem.notebookRevision", value: this.run.revision });
    if (this.run.environmentId) tags.push({ key: "tandem.environmentId", value: this.run.environmentId });
    const created = await tracking.runs.create({
      experiment,
      userId: this.run.createdBy,
      runName: `${this.run.jobName ?? this.run.notebookName} #${this.run.number}`,
      tags,
    });
    const params = Object.entries(this.run.parameters).map(([key, value]) => ({
      key,
      value: typeof value === "string" ? value : JSON.stringify(value),
    }));
    if (params.length) await tracking.runs.logBatch(created.info.runId, { params });
    this.run = { ...this.run, experimentRunId: created.info.runId };
    await this.write({ experimentRunId: created.info.runId });
  }

  private async startKernel() {
    try {
      await this.d.kernels.notebooks.start(this.documentId, this.owner, this.kernelspecName);
    } catch (err) {
      throw new RunFailure("environment_unavailable", `The kernel did not start: ${(err as Error).message}`);
    }
    await this.log(`kernel started (${this.kernelspecName ?? "default kernelspec"})`);
  }

  private async setCell(i: number, patch: Partial<CellRun>) {
    this.cells[i] = { ...this.cells[i]!, ...patch };
    await this.write({ cells: this.cells });
  }

  /** Runs code cells one at a time, so each is timed, recorded, and a stop lands between or inside one. */
  private async runCells(): Promise<Outcome> {
    let firstError: RunError | null = null;
    for (let i = 0; i < this.cells.length; i++) {
      if (this.control.reason) break;
      const cellId = this.cells[i]!.cellId;
      const started = this.d.clock();
      await this.setCell(i, { status: "running", startedAt: started.toISOString() });
      let queued: QueuedCell | undefined;
      try {
        [queued] = await this.d.kernels.notebooks.execute(this.documentId, this.owner, {
          cells: [cellId],
          allowStdin: false,
        });
      } catch (err) {
        throw new RunFailure(
          "kernel_died",
          `The kernel could not run cell ${i + 1}: ${(err as Error).message}`,
          cellId,
        );
      }
      const pending = queued?.outcome ?? Promise.resolve<CellOutcome>({ status: "cancelled", reason: "not queued" });
      let outcome = await Promise.race([pending, this.control.stopped.then(() => null)]);
      if (!outcome) {
        // Stopped mid-cell: interrupt it, and give the kernel a moment to say how the cell ended.
        await this.d.kernels.notebooks.interrupt(this.documentId).catch(() => {});
        outcome = await Promise.race([pending, new Promise<null>((r) => setTimeout(() => r(null), 3000))]);
      }
      const finished = this.d.clock();
      const status = !outcome || outcome.status === "cancelled" ? "aborted" : outcome.status;
      await this.setCell(i, {
        status,
        finishedAt: finished.toISOString(),
        durationMs: finished.getTime() - started.getTime(),
      });
      if (this.control.reason) return this.stoppedOutcome(cellId);
      if (status !== "ok") {
        const alive = this.d.kernels.notebooks.status(this.documentId).kernel?.execution_state !== "dead";
        const message = !alive
          ? "The kernel died while running this cell"
          : outcome?.status === "error" && outcome.ename
            ? `${outcome.ename}: ${outcome.evalue}`
            : "The cell failed";
        const error: RunError = {
          code: alive ? "cell_error" : "kernel_died",
          message: `Cell ${this.cells[i]!.index + 1}: ${message}`,
          cellId,
        };
        firstError ??= error;
        if (this.run.stopOnError || !alive) break;
      }
    }
    for (let i = 0; i < this.cells.length; i++)
      if (this.cells[i]!.status === "pending") this.cells[i] = { ...this.cells[i]!, status: "skipped" };
    await this.write({ cells: this.cells });
    if (this.control.reason) return this.stoppedOutcome();
    return firstError ? { status: "failed", error: firstError } : { status: "succeeded", error: null };
  }

  /** Stores the executed notebook on the experiment run (failed runs too), then closes that run. */
  async record(outcome: Outcome): Promise<void> {
    const { tracking, collab } = this.d;
    const runId = this.run.experimentRunId;
    if (!runId || !this.documentId) return;
    const row = await tracking.runs.row(runId).catch(() => null);
    if (!row) return;
    // The notebook's own mlflow.end_run() may have closed it; reopen to attach the notebook.
    if (row.status !== "RUNNING") await tracking.runs.update(row, { status: "RUNNING" });
    try {
      const ipynb = await collab.exportNotebook(this.documentId);
      const bytes = new TextEncoder().encode(JSON.stringify(ipynb, null, 1));
      await tracking.artifacts.put(
        { experimentId: row.experimentId, rest: `${runId}/artifacts/${ARTIFACT_NAME}` },
        bytes,
      );
    } catch (err) {
      this.d.log.warn({ err, runId: this.run.id }, "could not store the executed notebook");
    }
    const status = outcome.status === "succeeded" ? "FINISHED" : outcome.status === "cancelled" ? "KILLED" : "FAILED";
    await tracking.runs.update({ ...row, status: "RUNNING" }, { status, endTime: this.d.clock().getTime() });
  }

  get document(): string | undefined {
    return this.documentId;
  }
}
