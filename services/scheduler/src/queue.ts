import { type Db, schema } from "@tandem/db";
import { and, asc, eq, lte, sql } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";

const { notebookRuns: runs, jobs } = schema;

export type NotebookRunRow = typeof runs.$inferSelect;
export type NewNotebookRun = Omit<typeof runs.$inferInsert, "number">;
export type NotebookRunSet = PgUpdateSetSource<typeof runs>;

/** Inserts a run, numbered after the notebook's last one. Null when a unique key already holds it (a cron time fired twice). */
export async function insertRun(db: Db, values: NewNotebookRun): Promise<NotebookRunRow | null> {
  const number = values.notebookId
    ? sql<number>`(select coalesce(max(${runs.number}), 0) + 1 from ${runs} where ${runs.notebookId} = ${values.notebookId})`
    : sql<number>`1`;
  const [row] = await db
    .insert(runs)
    .values({ ...values, number })
    .onConflictDoNothing()
    .returning();
  return row ?? null;
}

/**
 * Takes the oldest due queued run and leases it to `worker`. SKIP LOCKED lets any number of
 * workers, in any number of processes, claim at once without waiting on each other or sharing a run.
 * A run of a job whose policy is `queue` waits while another run of that job is going.
 */
export async function claimNext(db: Db, worker: string, leaseMs: number, now: Date): Promise<NotebookRunRow | null> {
  return db.transaction(async (tx) => {
    const waitsForSibling = sql`exists (
      select 1 from ${runs} r2 join ${jobs} j on j.id = r2.job_id
      where r2.job_id = ${runs.jobId} and r2.status = 'running' and j.concurrency = 'queue')`;
    const [candidate] = await tx
      .select({ id: runs.id, jobId: runs.jobId })
      .from(runs)
      .where(and(eq(runs.status, "queued"), lte(runs.notBefore, now), sql`not ${waitsForSibling}`))
      .orderBy(asc(runs.notBefore), asc(runs.createdAt))
      .limit(1)
      .for("update", { skipLocked: true });
    if (!candidate) return null;
    if (candidate.jobId) {
      // Two workers may each pick a run of one `queue` job: the job's row lock orders them, and the
      // second sees the first's run as running.
      const [job] = await tx
        .select({ concurrency: jobs.concurrency })
        .from(jobs)
        .where(eq(jobs.id, candidate.jobId))
        .for("update");
      if (job?.concurrency === "queue") {
        const [busy] = await tx
          .select({ id: runs.id })
          .from(runs)
          .where(and(eq(runs.jobId, candidate.jobId), eq(runs.status, "running")))
          .limit(1);
        if (busy) return null;
      }
    }
    const [row] = await tx
      .update(runs)
      .set({
        status: "running",
        leaseOwner: worker,
        leaseExpiresAt: new Date(now.getTime() + leaseMs),
        startedAt: now,
        finishedAt: null,
        error: null,
      })
      .where(eq(runs.id, candidate.id))
      .returning();
    return row ?? null;
  });
}

/** The condition that `worker` still holds the run's current attempt. */
const held = (runId: string, worker: string, attempt: number) =>
  and(eq(runs.id, runId), eq(runs.leaseOwner, worker), eq(runs.attempt, attempt), eq(runs.status, "running"));

/** Extends the lease. Null when it was lost (expired and taken over, or the run was deleted). */
export async function renewLease(
  db: Db,
  run: Pick<NotebookRunRow, "id" | "attempt">,
  worker: string,
  leaseMs: number,
  now: Date,
): Promise<{ cancelRequested: boolean } | null> {
  const [row] = await db
    .update(runs)
    .set({ leaseExpiresAt: new Date(now.getTime() + leaseMs) })
    .where(held(run.id, worker, run.attempt))
    .returning({ cancelRequested: runs.cancelRequested });
  return row ?? null;
}

/** Writes to a run only while `worker` holds it; false when the lease was lost. */
export async function updateHeld(
  db: Db,
  run: Pick<NotebookRunRow, "id" | "attempt">,
  worker: string,
  set: NotebookRunSet,
): Promise<boolean> {
  const rows = await db
    .update(runs)
    .set(set)
    .where(held(run.id, worker, run.attempt))
    .returning({ id: runs.id });
  return rows.length > 0;
}

/** Runs whose worker stopped renewing: locked here so that one reaper handles each. */
export async function expiredLeases(db: Db, now: Date, handle: (row: NotebookRunRow, tx: Db) => Promise<void>) {
  await db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(runs)
      .where(and(eq(runs.status, "running"), lte(runs.leaseExpiresAt, now)))
      .limit(100)
      .for("update", { skipLocked: true });
    for (const row of rows) await handle(row, tx as unknown as Db);
  });
}

/** A timestamped log line, as a new run's first. */
export const firstLine = (line: string, now: Date) => `${now.toISOString()} ${line}\n`;

/** Appends a timestamped line to a run's log (in an update's `set`). */
export const logLine = (line: string, now: Date) => sql`${runs.log} || ${firstLine(line, now)}`;
