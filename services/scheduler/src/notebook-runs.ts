import { schema } from "@tandem/db";
import type { CreateRunBody, NotebookRun, NotebookRunPage, NotebookRunStatus } from "@tandem/protocol";
import { and, desc, eq, inArray, lt, ne, or, type SQL } from "drizzle-orm";
import type { SchedulerDeps, SchedulerTimings } from "./context.ts";
import { conflict, invalid, notFound } from "./errors.ts";
import { runLogs } from "./logs.ts";
import { firstLine, insertRun, logLine, type NotebookRunRow } from "./queue.ts";
import { checkRunInput } from "./validate.ts";
import { toNotebookRuns } from "./views.ts";
import type { Worker } from "./worker.ts";

const { notebookRuns: runs, notebooks } = schema;

export interface NotebookRunFilter {
  projectId?: string;
  notebookId?: string;
  jobId?: string;
  documentId?: string;
  status?: NotebookRunStatus;
  limit: number;
  cursor?: string;
}

export interface Who {
  userId: string;
}

const FINISHED = ["succeeded", "failed", "cancelled", "skipped"];

function encodeCursor(r: NotebookRunRow) {
  return Buffer.from(`${r.createdAt.toISOString()}|${r.id}`).toString("base64url");
}
function decodeCursor(c: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(c, "base64url").toString().split("|");
  const date = new Date(at ?? "");
  if (!id || Number.isNaN(date.getTime())) throw invalid("The cursor is not one this server gave");
  return { at: date, id };
}

type NotebookRow = typeof notebooks.$inferSelect;

/** Runs as people and the API see them: asked for, listed, cancelled, re-run, detached, read back. */
export class NotebookRuns {
  constructor(
    private readonly d: SchedulerDeps,
    private readonly t: SchedulerTimings,
    private readonly worker: Worker,
  ) {}

  async row(id: string): Promise<NotebookRunRow> {
    const [r] = await this.d.db.select().from(runs).where(eq(runs.id, id)).limit(1);
    if (!r) throw notFound("Run");
    return r;
  }

  async view(r: NotebookRunRow): Promise<NotebookRun> {
    return (await toNotebookRuns(this.d.db, [r]))[0]!;
  }

  async get(id: string): Promise<NotebookRun> {
    return this.view(await this.row(id));
  }

  private async notebook(notebookId: string): Promise<NotebookRow> {
    const [nb] = await this.d.db.select().from(notebooks).where(eq(notebooks.id, notebookId)).limit(1);
    if (!nb) throw notFound("Notebook");
    if (nb.kind !== "notebook") throw invalid("This is a run's document; re-run the run instead");
    return nb;
  }

  async create(notebookId: string, body: CreateRunBody, who: Who): Promise<NotebookRun> {
    return this.enqueue(await this.notebook(notebookId), body, who, { trigger: "manual" });
  }

  private async enqueue(
    nb: NotebookRow,
    body: CreateRunBody,
    who: Who,
    extra: { trigger: "manual" | "rerun"; rerunOf?: string; jobId?: string | null; jobName?: string | null },
  ): Promise<NotebookRun> {
    const parameters = (body.parameters ?? {}) as Record<string, unknown>;
    await checkRunInput(this.d, nb.id, { parameters, environmentId: body.environmentId, revision: body.revision });
    const now = this.d.clock();
    // Without an environment, the run uses the kernel the notebook runs on now (else the default).
    const kernelspec = body.environmentId ? null : (this.d.kernels.notebooks.status(nb.id).kernel?.name ?? null);
    const r = await insertRun(this.d.db, {
      projectId: nb.projectId,
      notebookId: nb.id,
      notebookName: nb.name,
      trigger: extra.trigger,
      rerunOf: extra.rerunOf ?? null,
      jobId: extra.jobId ?? null,
      jobName: extra.jobName ?? null,
      parameters,
      environmentId: body.environmentId ?? null,
      revision: body.revision ?? null,
      kernelspec,
      timeoutSeconds: body.timeoutSeconds ?? null,
      stopOnError: body.stopOnError ?? true,
      maxAttempts: (body.retries ?? 0) + 1,
      retryBackoffSeconds: body.retryBackoffSeconds ?? 60,
      scheduledFor: now,
      notBefore: now,
      createdBy: who.userId,
      log: firstLine(`queued (${extra.trigger})`, now),
    });
    this.worker.wake();
    return this.view(r!);
  }

  async list(f: NotebookRunFilter): Promise<NotebookRunPage> {
    const where: (SQL | undefined)[] = [];
    if (f.projectId) where.push(eq(runs.projectId, f.projectId));
    if (f.notebookId) where.push(eq(runs.notebookId, f.notebookId));
    if (f.jobId) where.push(eq(runs.jobId, f.jobId));
    if (f.documentId) where.push(eq(runs.documentId, f.documentId));
    if (f.status) where.push(eq(runs.status, f.status));
    if (f.cursor) {
      const c = decodeCursor(f.cursor);
      where.push(or(lt(runs.createdAt, c.at), and(eq(runs.createdAt, c.at), lt(runs.id, c.id))));
    }
    const rows = await this.d.db
      .select()
      .from(runs)
      .where(and(...where))
      .orderBy(desc(runs.createdAt), desc(runs.id))
      .limit(f.limit + 1);
    const page = rows.slice(0, f.limit);
    return {
      runs: await toNotebookRuns(this.d.db, page),
      nextCursor: rows.length > f.limit ? encodeCursor(page[page.length - 1]!) : null,
    };
  }

  /** A queued run is cancelled at once; a running one is stopped by its worker (here now, elsewhere at its next heartbeat). */
  async cancel(id: string): Promise<NotebookRun> {
    const now = this.d.clock();
    const [queued] = await this.d.db
      .update(runs)
      .set({ status: "cancelled", finishedAt: now, log: logLine("cancelled before it started", now) })
      .where(and(eq(runs.id, id), eq(runs.status, "queued")))
      .returning();
    if (queued) return this.view(queued);
    const [running] = await this.d.db
      .update(runs)
      .set({ cancelRequested: true, log: logLine("cancel requested", now) })
      .where(and(eq(runs.id, id), eq(runs.status, "running")))
      .returning();
    if (!running) {
      const r = await this.row(id);
      throw conflict(`The run already ended (${r.status})`);
    }
    this.worker.cancelLocal(id);
    return this.view(running);
  }

  /** A new run of the same notebook and settings; `parameters` replace the named ones. */
  async rerun(id: string, who: Who, parameters?: Record<string, unknown>): Promise<NotebookRun> {
    const r = await this.row(id);
    if (!FINISHED.includes(r.status)) throw conflict(`The run is still ${r.status}; cancel it first or wait`);
    if (r.trigger === "detach") throw invalid("A detached notebook run cannot be re-run; run the notebook instead");
    if (!r.notebookId) throw invalid("The notebook was deleted");
    const nb = await this.notebook(r.notebookId);
    return this.enqueue(
      nb,
      {
        parameters: { ...(r.parameters as Record<string, never>), ...(parameters as Record<string, never>) },
        environmentId: r.environmentId ?? undefined,
        revision: r.revision ?? undefined,
        timeoutSeconds: r.timeoutSeconds ?? undefined,
        retries: r.maxAttempts - 1,
        retryBackoffSeconds: r.retryBackoffSeconds,
        stopOnError: r.stopOnError,
      },
      who,
      { trigger: "rerun", rerunOf: r.id, jobId: r.jobId, jobName: r.jobName },
    );
  }

  async delete(id: string) {
    const r = await this.row(id);
    if (!FINISHED.includes(r.status)) throw conflict(`The run is still ${r.status}; cancel it first`);
    await this.d.db.delete(runs).where(eq(runs.id, id));
    if (r.documentId && r.trigger !== "detach") {
      await this.d.db.delete(notebooks).where(and(eq(notebooks.id, r.documentId), eq(notebooks.kind, "run")));
      await this.d.collab.dropDocument(r.documentId);
    }
  }

  async logs(id: string): Promise<string> {
    return runLogs(this.d, await this.row(id));
  }

  async ipynb(id: string) {
    const r = await this.row(id);
    if (!r.documentId) throw notFound("The run's notebook (it has not started yet)");
    return this.d.collab.exportNotebook(r.documentId);
  }

  /**
   * "Keep this notebook running": the rest of the notebook, from `cellId`, runs on the server on the
   * notebook's own kernel (its state kept), recorded as a run; outputs still land in the notebook.
   */
  async detach(notebookId: string, who: Who, cellId?: string): Promise<NotebookRun> {
    const nb = await this.notebook(notebookId);
    const ipynb = await this.d.collab.exportNotebook(nb.id);
    if (cellId && !ipynb.cells.some((c) => c.id === cellId)) throw invalid(`The notebook has no cell ${cellId}`);
    const [going] = await this.d.db
      .select({ id: runs.id })
      .from(runs)
      .where(and(eq(runs.documentId, nb.id), eq(runs.trigger, "detach"), eq(runs.status, "running")))
      .limit(1);
    if (going) throw conflict(`The notebook is already running on the server (run ${going.id})`);
    const now = this.d.clock();
    const r = await insertRun(this.d.db, {
      projectId: nb.projectId,
      notebookId: nb.id,
      notebookName: nb.name,
      documentId: nb.id,
      trigger: "detach",
      parameters: {},
      kernelspec: this.d.kernels.notebooks.status(nb.id).kernel?.name ?? null,
      status: "running",
      leaseOwner: this.worker.id,
      leaseExpiresAt: new Date(now.getTime() + this.t.leaseMs),
      startedAt: now,
      scheduledFor: now,
      notBefore: now,
      createdBy: who.userId,
      log: firstLine(`detached from the browser${cellId ? ` at cell ${cellId}` : ""}`, now),
    });
    this.worker.runDetached(r!, cellId ?? null);
    return this.view(r!);
  }

  /** For the MLflow launch hook: the experiment run a run document's kernel records into. */
  async trackingOf(documentId: string): Promise<{ experimentRunId: string; notebookId: string } | null> {
    const [r] = await this.d.db
      .select({ experimentRunId: runs.experimentRunId, notebookId: runs.notebookId })
      .from(runs)
      .where(and(eq(runs.documentId, documentId), ne(runs.trigger, "detach"), inArray(runs.status, ["running"])))
      .orderBy(desc(runs.createdAt))
      .limit(1);
    return r?.experimentRunId && r.notebookId ? { experimentRunId: r.experimentRunId, notebookId: r.notebookId } : null;
  }
}
