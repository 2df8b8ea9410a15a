import type { Job, NotebookRun } from "@tandem/protocol";
import type { SchedulerDeps, SchedulerTimings } from "./context.ts";
import { parseSchedule, upcoming } from "./cron.ts";
import { conflict, invalid } from "./errors.ts";
import { Jobs } from "./jobs.ts";
import { NotebookRuns, type Who } from "./notebook-runs.ts";
import { checkRunInput } from "./validate.ts";
import type { JobRow } from "./views.ts";
import { Notifier } from "./webhooks.ts";
import { Worker } from "./worker.ts";

export interface SchedulerOptions extends Omit<SchedulerDeps, "clock"> {
  clock?: () => Date;
  /** Runs executed at once by this process (0: this process only schedules and serves the API). */
  workers?: number;
  timings?: Partial<SchedulerTimings>;
  /** Webhook retry base delay (ms). */
  webhookRetryMs?: number;
}

const DEFAULT_TIMINGS: SchedulerTimings = { leaseMs: 30_000, pollMs: 1000, tickMaxMs: 5000, graceMs: 60_000 };

/** Schedules (cron), the run queue with leases, headless parameterised runs and detached notebooks. */
export function createScheduler(o: SchedulerOptions) {
  const d: SchedulerDeps = { ...o, clock: o.clock ?? (() => new Date()) };
  const t: SchedulerTimings = { ...DEFAULT_TIMINGS, ...o.timings };
  const notifier = new Notifier(d, o.webhookRetryMs);
  const worker = new Worker(d, t, notifier, o.workers ?? 2);
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

  const runsFace = new NotebookRuns(d, t, worker);

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
    async update(id: string, body: Parameters<Jobs["update"]>[1], who: Who) {
      const job = await jobs.update(await jobs.row(id), body, who.userId);
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
      return runsFace.view(r);
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
    trackingOf: (documentId: string) => runsFace.trackingOf(documentId),
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
