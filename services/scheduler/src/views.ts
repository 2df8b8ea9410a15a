import { type Db, schema } from "@tandem/db";
import type { CellRun, Job, NotebookRun, NotebookRunStatus, RunError } from "@tandem/protocol";
import { inArray } from "drizzle-orm";
import { upcoming } from "./cron.ts";
import type { NotebookRunRow } from "./queue.ts";

export type JobRow = typeof schema.jobs.$inferSelect;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

type Latest = NotebookRun["metrics"];

/** Latest metrics and experiment ids of the experiment runs behind these runs, in two queries. */
async function experimentRunsOf(db: Db, runIds: string[]) {
  const metrics = new Map<string, Latest>();
  const experiments = new Map<string, string>();
  if (!runIds.length) return { metrics, experiments };
  const [points, rows] = await Promise.all([
    db.select().from(schema.latestMetrics).where(inArray(schema.latestMetrics.runId, runIds)),
    db
      .select({ id: schema.runs.id, experimentId: schema.runs.experimentId })
      .from(schema.runs)
      .where(inArray(schema.runs.id, runIds)),
  ]);
  for (const p of points) {
    const m = metrics.get(p.runId) ?? {};
    m[p.key] = { value: p.isNan ? "NaN" : p.value, step: p.step, timestamp: p.timestamp };
    metrics.set(p.runId, m);
  }
  for (const r of rows) experiments.set(r.id, String(r.experimentId));
  return { metrics, experiments };
}

export async function toNotebookRuns(db: Db, rows: NotebookRunRow[]): Promise<NotebookRun[]> {
  const ids = rows.map((r) => r.experimentRunId).filter((id): id is string => !!id);
  const { metrics, experiments } = await experimentRunsOf(db, ids);
  return rows.map((r) => toNotebookRun(r, r.experimentRunId ? metrics.get(r.experimentRunId) : undefined, experiments));
}

function toNotebookRun(r: NotebookRunRow, metrics: Latest | undefined, experiments: Map<string, string>): NotebookRun {
  const durationMs = r.startedAt && r.finishedAt ? Math.max(0, r.finishedAt.getTime() - r.startedAt.getTime()) : null;
  return {
    id: r.id,
    number: r.number,
    projectId: r.projectId,
    notebookId: r.notebookId,
    notebookName: r.notebookName,
    documentId: r.documentId,
    jobId: r.jobId,
    jobName: r.jobName,
    revision: r.revision,
    environmentId: r.environmentId,
    kernelspec: r.kernelspec,
    parameters: r.parameters as NotebookRun["parameters"],
    status: r.status as NotebookRunStatus,
    trigger: r.trigger as NotebookRun["trigger"],
    attempt: r.attempt,
    maxAttempts: r.maxAttempts,
    timeoutSeconds: r.timeoutSeconds,
    stopOnError: r.stopOnError,
    scheduledFor: r.scheduledFor.toISOString(),
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    durationMs,
    error: (r.error as RunError | null) ?? null,
    cells: r.cells as CellRun[],
    experimentRunId: r.experimentRunId,
    experimentId: r.experimentRunId ? (experiments.get(r.experimentRunId) ?? null) : null,
    metrics: metrics ?? {},
    rerunOf: r.rerunOf,
    createdBy: r.createdBy,
  };
}

export interface JobExtras {
  notebookName: string | null;
  lastRun: NotebookRunRow | null;
  problem: string | null;
}

export function toJob(j: JobRow, x: JobExtras, now: Date): Job {
  let next: string[] = [];
  if (j.cron && j.enabled) {
    try {
      next = upcoming(j.cron, j.timezone, now, 5).map((d) => d.toISOString());
    } catch {
      // Stored crons were checked when saved; a time zone database change is shown as no fire times.
    }
  }
  return {
    id: j.id,
    projectId: j.projectId,
    notebookId: j.notebookId,
    notebookName: x.notebookName,
    name: j.name,
    parameters: j.parameters as Job["parameters"],
    cron: j.cron,
    timezone: j.timezone,
    catchUp: j.catchUp as Job["catchUp"],
    concurrency: j.concurrency as Job["concurrency"],
    enabled: j.enabled,
    webhook: (j.webhook as Job["webhook"]) ?? null,
    environmentId: j.environmentId,
    revision: j.revision,
    timeoutSeconds: j.timeoutSeconds,
    retries: j.retries,
    retryBackoffSeconds: j.retryBackoffSeconds,
    stopOnError: j.stopOnError,
    nextFireAt: j.enabled && j.cron ? iso(j.nextFireAt) : null,
    upcoming: next,
    lastRun: x.lastRun
      ? {
          id: x.lastRun.id,
          status: x.lastRun.status as NotebookRunStatus,
          scheduledFor: x.lastRun.scheduledFor.toISOString(),
          finishedAt: iso(x.lastRun.finishedAt),
        }
      : null,
    problem: x.problem,
    createdBy: j.createdBy,
    createdAt: j.createdAt.toISOString(),
    updatedAt: j.updatedAt.toISOString(),
  };
}
