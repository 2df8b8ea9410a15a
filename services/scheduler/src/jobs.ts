import { type Db, schema } from "@tandem/db";
import type { CreateJobBody, UpdateJobBody } from "@tandem/protocol";
import { and, desc, eq, inArray, isNotNull, lte } from "drizzle-orm";
import type { SchedulerDeps } from "./context.ts";
import { firesBetween, nextFire, parseSchedule } from "./cron.ts";
import { invalid, notFound } from "./errors.ts";
import { firstLine, insertRun, type NotebookRunRow } from "./queue.ts";
import { checkRunInput } from "./validate.ts";
import { type JobRow, toJob } from "./views.ts";

const { jobs, notebookRuns: runs, notebooks } = schema;

/** Jobs: definitions of runs (notebook, parameters, policies) and their cron schedules. */
export class Jobs {
  constructor(
    private readonly d: SchedulerDeps,
    private readonly graceMs: number,
    private readonly onQueued: () => void,
  ) {}

  private next(cron: string | null, timezone: string, enabled: boolean): Date | null {
    return cron && enabled ? nextFire(cron, timezone, this.d.clock()) : null;
  }

  /** Takes the body before or after zod's defaults, so the defaults are applied here too. */
  async create(projectId: string, b: CreateJobBody, createdBy: string) {
    if (b.cron) parseSchedule(b.cron, b.timezone ?? "UTC");
    const nb = await this.notebookIn(projectId, b.notebookId);
    await checkRunInput(this.d, nb.id, {
      parameters: b.parameters ?? {},
      environmentId: b.environmentId,
      revision: b.revision,
    });
    const timezone = b.timezone ?? "UTC";
    const enabled = b.enabled ?? true;
    const [row] = await this.d.db
      .insert(jobs)
      .values({
        projectId,
        notebookId: nb.id,
        name: b.name,
        parameters: b.parameters ?? {},
        environmentId: b.environmentId ?? null,
        revision: b.revision ?? null,
        timeoutSeconds: b.timeoutSeconds ?? null,
        stopOnError: b.stopOnError ?? true,
        retries: b.retries ?? 0,
        retryBackoffSeconds: b.retryBackoffSeconds ?? 60,
        concurrency: b.concurrency ?? "skip",
        cron: b.cron ?? null,
        timezone,
        catchUp: b.catchUp ?? "latest",
        enabled,
        webhook: b.webhook ? { url: b.webhook.url, events: b.webhook.events ?? ["failure"] } : null,
        nextFireAt: this.next(b.cron ?? null, timezone, enabled),
        createdBy,
      })
      .returning();
    return row!;
  }

  /** Whoever saves a job last is the one it runs as (kernel token, MLflow user). */
  async update(job: JobRow, body: UpdateJobBody, updatedBy: string) {
    if (body.notebookId) await this.notebookIn(job.projectId, body.notebookId);
    const merged = { ...job, ...stripUndefined(body) } as JobRow;
    if (merged.cron) parseSchedule(merged.cron, merged.timezone);
    if (merged.notebookId)
      await checkRunInput(this.d, merged.notebookId, {
        parameters: merged.parameters,
        environmentId: merged.environmentId ?? undefined,
        revision: merged.revision ?? undefined,
      });
    const scheduleChanged =
      merged.cron !== job.cron || merged.timezone !== job.timezone || merged.enabled !== job.enabled;
    const [row] = await this.d.db
      .update(jobs)
      .set({
        ...stripUndefined(body),
        webhook: merged.webhook,
        createdBy: updatedBy,
        updatedAt: this.d.clock(),
        ...(scheduleChanged ? { nextFireAt: this.next(merged.cron, merged.timezone, merged.enabled) } : {}),
      })
      .where(eq(jobs.id, job.id))
      .returning();
    return row!;
  }

  async row(id: string): Promise<JobRow> {
    const [row] = await this.d.db.select().from(jobs).where(eq(jobs.id, id)).limit(1);
    if (!row) throw notFound("Job");
    return row;
  }

  async delete(id: string) {
    await this.d.db.delete(jobs).where(eq(jobs.id, id));
  }

  async list(projectId: string): Promise<JobRow[]> {
    return this.d.db.select().from(jobs).where(eq(jobs.projectId, projectId)).orderBy(jobs.name);
  }

  /** The API view: upcoming fire times, the last run, and why the job cannot run, if it cannot. */
  async views(rows: JobRow[]) {
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id);
    const nbIds = rows.map((r) => r.notebookId).filter((x): x is string => !!x);
    const envIds = rows.map((r) => r.environmentId).filter((x): x is string => !!x);
    const [names, envs, last] = await Promise.all([
      nbIds.length
        ? this.d.db
            .select({ id: notebooks.id, name: notebooks.name })
            .from(notebooks)
            .where(inArray(notebooks.id, nbIds))
        : [],
      envIds.length
        ? this.d.db
            .select({ id: schema.environments.id, status: schema.environments.status, name: schema.environments.name })
            .from(schema.environments)
            .where(inArray(schema.environments.id, envIds))
        : [],
      this.d.db
        .selectDistinctOn([runs.jobId])
        .from(runs)
        .where(inArray(runs.jobId, ids))
        .orderBy(runs.jobId, desc(runs.createdAt)),
    ]);
    const nameOf = new Map(names.map((n) => [n.id, n.name]));
    const envOf = new Map(envs.map((e) => [e.id, e]));
    const lastOf = new Map<string, NotebookRunRow>(last.map((r) => [r.jobId!, r]));
    const now = this.d.clock();
    return rows.map((j) => {
      let problem: string | null = null;
      if (!j.notebookId) problem = "The notebook was deleted: this job cannot run until it points at another one";
      else if (j.environmentId && !envOf.has(j.environmentId)) problem = "The environment was deleted";
      else if (j.environmentId && envOf.get(j.environmentId)!.status === "failed")
        problem = `The environment ${envOf.get(j.environmentId)!.name} failed to build`;
      return toJob(
        j,
        {
          notebookName: j.notebookId ? (nameOf.get(j.notebookId) ?? null) : null,
          lastRun: lastOf.get(j.id) ?? null,
          problem,
        },
        now,
      );
    });
  }

  private async notebookIn(projectId: string, notebookId: string) {
    const [nb] = await this.d.db.select().from(notebooks).where(eq(notebooks.id, notebookId)).limit(1);
    if (!nb || nb.projectId !== projectId) throw invalid(`The project has no notebook ${notebookId}`);
    if (nb.kind !== "notebook") throw invalid("A run's document cannot be scheduled; schedule its notebook");
    return nb;
  }

  /**
   * Enqueues a run of the job (cron or "run now"), honouring its concurrency policy: with `skip`, a
   * run that would overlap one still going is recorded as skipped instead.
   */
  async enqueue(
    db: Db,
    job: JobRow,
    o: {
      scheduledFor: Date;
      trigger: "schedule" | "manual";
      parameters?: Record<string, unknown>;
      createdBy: string | null;
    },
  ): Promise<NotebookRunRow | null> {
    const now = this.d.clock();
    let busy: { number: number } | undefined;
    if (job.concurrency === "skip") {
      [busy] = await db
        .select({ number: runs.number })
        .from(runs)
        .where(and(eq(runs.jobId, job.id), inArray(runs.status, ["queued", "running"])))
        .limit(1);
    }
    const [nb] = job.notebookId
      ? await db.select({ name: notebooks.name }).from(notebooks).where(eq(notebooks.id, job.notebookId))
      : [];
    const row = await insertRun(db, {
      projectId: job.projectId,
      notebookId: job.notebookId,
      notebookName: nb?.name ?? job.name,
      jobId: job.id,
      jobName: job.name,
      trigger: o.trigger,
      parameters: { ...job.parameters, ...o.parameters },
      environmentId: job.environmentId,
      revision: job.revision,
      timeoutSeconds: job.timeoutSeconds,
      stopOnError: job.stopOnError,
      maxAttempts: job.retries + 1,
      retryBackoffSeconds: job.retryBackoffSeconds,
      scheduledFor: o.scheduledFor,
      notBefore: now,
      createdBy: o.createdBy ?? job.createdBy,
      ...(busy
        ? {
            status: "skipped",
            finishedAt: now,
            log: firstLine(`skipped: run #${busy.number} of this job was still going`, now),
          }
        : { log: firstLine(`queued (${o.trigger})`, now) }),
    });
    // Inside a transaction the worker could not see the run yet: the caller wakes it after commit.
    if (row && !busy && db === this.d.db) this.onQueued();
    return row;
  }

  /**
   * Fires every job whose time has come. Each due job is locked (SKIP LOCKED) and its next fire time
   * advanced in the same transaction, so however many schedulers tick, a fire time enqueues once.
   * Times missed while no scheduler was up follow the job's catch-up policy.
   */
  async fireDue(now = this.d.clock()): Promise<number> {
    let fired = 0;
    await this.d.db.transaction(async (tx) => {
      const due = await tx
        .select()
        .from(jobs)
        .where(and(eq(jobs.enabled, true), isNotNull(jobs.cron), lte(jobs.nextFireAt, now)))
        .limit(100)
        .for("update", { skipLocked: true });
      for (const job of due) {
        let times: Date[] = [];
        try {
          const missed = firesBetween(job.cron!, job.timezone, new Date(job.nextFireAt!.getTime() - 1), now);
          const onTime = missed.filter((t) => now.getTime() - t.getTime() <= this.graceMs);
          const late = missed.filter((t) => now.getTime() - t.getTime() > this.graceMs);
          if (job.catchUp === "all") times = missed;
          else if (job.catchUp === "latest") times = missed.slice(-1);
          else times = onTime;
          if (late.length)
            this.d.log.info({ jobId: job.id, missed: late.length, policy: job.catchUp }, "fire times were missed");
          for (const t of times) {
            if (await this.enqueue(tx as unknown as Db, job, { scheduledFor: t, trigger: "schedule", createdBy: null }))
              fired++;
          }
          await tx
            .update(jobs)
            .set({ nextFireAt: nextFire(job.cron!, job.timezone, now) })
            .where(eq(jobs.id, job.id));
        } catch (err) {
          // A schedule that can no longer be read must not block the others: turn it off, say why.
          this.d.log.error({ err, jobId: job.id }, "a job's schedule failed; it is paused");
          await tx.update(jobs).set({ enabled: false, nextFireAt: null }).where(eq(jobs.id, job.id));
        }
      }
    });
    if (fired) this.onQueued();
    return fired;
  }

  /** The soonest fire time of any enabled job (for the ticker's sleep). */
  async soonest(): Promise<Date | null> {
    const [row] = await this.d.db
      .select({ at: jobs.nextFireAt })
      .from(jobs)
      .where(and(eq(jobs.enabled, true), isNotNull(jobs.nextFireAt)))
      .orderBy(jobs.nextFireAt)
      .limit(1);
    return row?.at ?? null;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
