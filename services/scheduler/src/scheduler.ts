import { schema } from "@tandem/db";
import type { CreateRunBody, Job, NotebookRun, NotebookRunPage, NotebookRunStatus } from "@tandem/protocol";
import { and, desc, eq, inArray, lt, ne, or, type SQL } from "drizzle-orm";
import { CellWaiters, type SchedulerDeps, type SchedulerTimings } from "./context.ts";
import { parseSchedule, upcoming } from "./cron.ts";
import { conflict, invalid, notFound } from "./errors.ts";
import { Jobs } from "./jobs.ts";
import { runLogs } from "./logs.ts";
import { firstLine, insertRun, logLine, type RunRow } from "./queue.ts";
import { checkRunInput } from "./validate.ts";
import { type JobRow, toNotebookRuns } from "./views.ts";
import { Notifier } from "./webhooks.ts";
import { Worker } from "./worker.ts";

const { notebookRuns: runs, notebooks } = schema;

export interface SchedulerOptions extends Omit<SchedulerDeps, "clock"> {
  clock?: () => Date;
  /** Runs executed at once by this process (0: this process only schedules and serves the API). */
  workers?: number;
  timings?: Partial<SchedulerTimings>;
  /** Webhook retry base delay (ms). */
  webhookRetryMs?: number;
}

const DEFAULT_TIMINGS: SchedulerTimings = { leaseMs: 30_000, pollMs: 1000, tickMaxMs: 5000, graceMs: 60_000 };

export interface RunFilter {
  projectId?: string;
  notebookId?: string;
  jobId?: string;
  documentId?: string;
  status?: NotebookRunStatus;
  limit: number;
  cursor?: string;
}

interface Who {
  userId: string;
}

const FINISHED = ["succeeded", "failed", "cancelled", "skipped"];

function encodeCursor(r: RunRow) {
  return Buffer.from(`${r.createdAt.toISOString()}|${r.id}`).toString("base64url");
}
function decodeCursor(c: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(c, "base64url").toString().split("|");
  const date = new Date(at ?? "");
  if (!id || Number.isNaN(date.getTime())) throw invalid("The cursor is not one this server gave");
  return { at: date, id };
}

/** Schedules (cron), the run queue with leases, headless parameterised runs and detached notebooks. */
export function createScheduler(o: SchedulerOptions) {
  const d: SchedulerDeps = { ...o, clock: o.clock ?? (() => new Date()) };
  const t: SchedulerTimings = { ...DEFAULT_TIMINGS, ...o.timings };
  const waiters = new CellWaiters(o.kernels);
  const notifier = new Notifier(d, o.webhookRetryMs);
  const worker = new Worker(d, t, waiters, notifier, o.workers ?? 2);
  const jobs = new Jobs(d, t.graceMs, () => worker.wake());
  let closed = false;
  let tickTimer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;

  /** Fires due jobs, then sleeps until the soonest fire time (or tickMaxMs, as other processes add jobs). */
  async function tick() {
    if (closed) return;
    try {
      await jobs.fireDue();
    } catch (err) {
      d.log.error({ err }, "firing scheduled jobs failed");
    }
    if (closed) return;
    let wait = t.tickMaxMs;
    const soonest = await jobs.soonest().catch(() => null);
    if (soonest) wait = Math.max(0, Math.min(wait, soonest.getTime() - d.clock().getTime()));
    schedule(wait);
  }
  function schedule(ms: number) {
    tickTimer = setTimeout(() => {
      ticking = tick();
    }, ms);
  }
  /** A job changed here: re-plan the ticker now. */
  function replan() {
    if (closed || !tickTimer) return;
    clearTimeout(tickTimer);
    schedule(0);
  }

  async function row(id: string): Promise<RunRow> {
    const [r] = await d.db.select().from(runs).where(eq(runs.id, id)).limit(1);
    if (!r) throw notFound("Run");
    return r;
  }
  const view = async (r: RunRow): Promise<NotebookRun> => (await toNotebookRuns(d.db, [r]))[0]!;

  async function notebook(notebookId: string) {
    const [nb] = await d.db.select().from(notebooks).where(eq(notebooks.id, notebookId)).limit(1);
    if (!nb) throw notFound("Notebook");
    if (nb.kind !== "notebook") throw invalid("This is a run's document; re-run the run instead");
    return nb;
  }

  async function enqueue(
    nb: typeof notebooks.$inferSelect,
    body: CreateRunBody,
    who: Who,
    extra: { trigger: "manual" | "rerun"; rerunOf?: string; jobId?: string | null; jobName?: string | null },
  ): Promise<NotebookRun> {
    const parameters = (body.parameters ?? {}) as Record<string, unknown>;
    await checkRunInput(d, nb.id, { parameters, environmentId: body.environmentId, revision: body.revision });
    const now = d.clock();
    // Without an environment, the run uses the kernel the notebook runs on now (else the default).
    const kernelspec = body.environmentId ? null : (o.kernels.notebooks.status(nb.id).kernel?.name ?? null);
    const r = await insertRun(d.db, {
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
    worker.wake();
    return view(r!);
  }

  const runsFace = {
    row,
    get: async (id: string) => view(await row(id)),
    create: async (notebookId: string, body: CreateRunBody, who: Who) =>
      enqueue(await notebook(notebookId), body, who, { trigger: "manual" }),

    async list(f: RunFilter): Promise<NotebookRunPage> {
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
      const rows = await d.db
        .select()
        .from(runs)
        .where(and(...where))
        .orderBy(desc(runs.createdAt), desc(runs.id))
        .limit(f.limit + 1);
      const page = rows.slice(0, f.limit);
      return {
        runs: await toNotebookRuns(d.db, page),
        nextCursor: rows.length > f.limit ? encodeCursor(page[page.length - 1]!) : null,
      };
    },

    /** A queued run is cancelled at once; a running one is stopped by its worker (here now, elsewhere at its next heartbeat). */
    async cancel(id: string): Promise<NotebookRun> {
      const now = d.clock();
      const [queued] = await d.db
        .update(runs)
        .set({ status: "cancelled", finishedAt: now, log: logLine("cancelled before it started", now) })
        .where(and(eq(runs.id, id), eq(runs.status, "queued")))
        .returning();
      if (queued) return view(queued);
      const [running] = await d.db
        .update(runs)
        .set({ cancelRequested: true, log: logLine("cancel requested", now) })
        .where(and(eq(runs.id, id), eq(runs.status, "running")))
        .returning();
      if (!running) {
        const r = await row(id);
        throw conflict(`The run already ended (${r.status})`);
      }
      worker.cancelLocal(id);
      return view(running);
    },

    /** A new run of the same notebook and settings; `parameters` replace the named ones. */
    async rerun(id: string, who: Who, parameters?: Record<string, unknown>): Promise<NotebookRun> {
      const r = await row(id);
      if (!FINISHED.includes(r.status)) throw conflict(`The run is still ${r.status}; cancel it first or wait`);
      if (r.trigger === "detach") throw invalid("A detached notebook run cannot be re-run; run the notebook instead");
      if (!r.notebookId) throw invalid("The notebook was deleted");
      const nb = await notebook(r.notebookId);
      return enqueue(
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
    },

    async delete(id: string) {
      const r = await row(id);
      if (!FINISHED.includes(r.status)) throw conflict(`The run is still ${r.status}; cancel it first`);
      await d.db.delete(runs).where(eq(runs.id, id));
      if (r.documentId && r.trigger !== "detach") {
        await d.db.delete(notebooks).where(and(eq(notebooks.id, r.documentId), eq(notebooks.kind, "run")));
        await d.collab.dropDocument(r.documentId);
      }
    },

    logs: async (id: string) => runLogs(d, await row(id)),

    async ipynb(id: string) {
      const r = await row(id);
      if (!r.documentId) throw notFound("The run's notebook (it has not started yet)");
      return d.collab.exportNotebook(r.documentId);
    },

    /**
     * "Keep this notebook running": the rest of the notebook, from `cellId`, runs on the server on the
     * notebook's own kernel (its state kept), recorded as a run; outputs still land in the notebook.
     */
    async detach(notebookId: string, who: Who, cellId?: string): Promise<NotebookRun> {
      const nb = await notebook(notebookId);
      const ipynb = await d.collab.exportNotebook(nb.id);
      if (cellId && !ipynb.cells.some((c) => c.id === cellId)) throw invalid(`The notebook has no cell ${cellId}`);
      const [going] = await d.db
        .select({ id: runs.id })
        .from(runs)
        .where(and(eq(runs.documentId, nb.id), eq(runs.trigger, "detach"), eq(runs.status, "running")))
        .limit(1);
      if (going) throw conflict(`The notebook is already running on the server (run ${going.id})`);
      const now = d.clock();
      const r = await insertRun(d.db, {
        projectId: nb.projectId,
        notebookId: nb.id,
        notebookName: nb.name,
        documentId: nb.id,
        trigger: "detach",
        parameters: {},
        kernelspec: o.kernels.notebooks.status(nb.id).kernel?.name ?? null,
        status: "running",
        leaseOwner: worker.id,
        leaseExpiresAt: new Date(now.getTime() + t.leaseMs),
        startedAt: now,
        scheduledFor: now,
        notBefore: now,
        createdBy: who.userId,
        log: firstLine(`detached from the browser${cellId ? ` at cell ${cellId}` : ""}`, now),
      });
      worker.runDetached(r!, cellId ?? null);
      return view(r!);
    },
  };

  const jobsFace = {
    row: (id: string) => jobs.row(id),
    async view(job: JobRow): Promise<Job> {
      return (await jobs.views([job]))[0]!;
    },
    list: async (projectId: string) => jobs.views(await jobs.list(projectId)),
    async create(projectId: string, body: Parameters<Jobs["create"]>[1], who: Who) {
      const job = await jobs.create(projectId, body, who.userId);
      replan();
      return jobsFace.view(job);
    },
    async update(id: string, body: Parameters<Jobs["update"]>[1]) {
      const job = await jobs.update(await jobs.row(id), body);
      replan();
      return jobsFace.view(job);
    },
    delete: (id: string) => jobs.delete(id),
    /** "Run now": a run of the job with its settings (parameters overridable), whatever its schedule. */
    async runNow(id: string, who: Who, parameters?: Record<string, unknown>): Promise<NotebookRun> {
      const job = await jobs.row(id);
      if (!job.notebookId) throw invalid("The job's notebook was deleted");
      await checkRunInput(d, job.notebookId, {
        parameters: { ...job.parameters, ...parameters },
        environmentId: job.environmentId,
        revision: job.revision,
      });
      const r = await jobs.enqueue(d.db, job, {
        scheduledFor: d.clock(),
        trigger: "manual",
        parameters,
        createdBy: who.userId,
      });
      if (!r) throw conflict("The job was just run; try again");
      return view(r);
    },
  };

  return {
    runs: runsFace,
    jobs: jobsFace,
    /** The next fire times of a cron expression (checks it, with the time zone). */
    cronPreview(cron: string, timezone: string, count: number): Date[] {
      parseSchedule(cron, timezone);
      return upcoming(cron, timezone, d.clock(), count);
    },
    /** For the MLflow launch hook: the experiment run a run document's kernel records into. */
    async trackingOf(documentId: string): Promise<{ experimentRunId: string; notebookId: string } | null> {
      const [r] = await d.db
        .select({ experimentRunId: runs.experimentRunId, notebookId: runs.notebookId })
        .from(runs)
        .where(and(eq(runs.documentId, documentId), ne(runs.trigger, "detach"), inArray(runs.status, ["running"])))
        .orderBy(desc(runs.createdAt))
        .limit(1);
      return r?.experimentRunId && r.notebookId
        ? { experimentRunId: r.experimentRunId, notebookId: r.notebookId }
        : null;
    },
    /** Fires due jobs now (tests pass a time; the ticker does this on its own). */
    tick: (now?: Date) => jobs.fireDue(now),
    workerId: worker.id,
    stats: () => ({ running: worker.active }),
    start() {
      worker.start();
      ticking = tick();
    },
    async close() {
      closed = true;
      if (tickTimer) clearTimeout(tickTimer);
      await ticking;
      await worker.close();
      await notifier.drain();
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
