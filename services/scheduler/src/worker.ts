import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { type Db, schema } from "@tandem/db";
import { eq } from "drizzle-orm";
import type { SchedulerDeps, SchedulerTimings } from "./context.ts";
import { NotebookRunExecution, type Outcome, RunControl } from "./notebook-run-execution.ts";
import { claimNext, expiredLeases, logLine, type NotebookRunRow, renewLease, updateHeld } from "./queue.ts";
import type { Notifier } from "./webhooks.ts";

/** Failures that another attempt cannot fix: retrying them would fail the same way. */
const FINAL_CODES = new Set(["invalid_parameters", "notebook_missing", "environment_unavailable", "forbidden"]);

/**
 * Takes queued runs from the shared Postgres queue and runs them, up to `concurrency` at once,
 * holding each run's lease while it goes; also fails or requeues runs whose worker died.
 */
export class Worker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  private readonly running = new Map<string, NotebookRunExecution>();
  private readonly finishing = new Set<Promise<void>>();
  private wakeUp?: () => void;
  private loop?: Promise<void>;
  private closed = false;

  constructor(
    private readonly d: SchedulerDeps,
    private readonly t: SchedulerTimings,
    private readonly notifier: Notifier,
    private readonly concurrency: number,
  ) {}

  start() {
    if (this.concurrency > 0) this.loop ??= this.run();
  }

  /** Something was queued here: look now rather than at the next poll. */
  wake() {
    this.wakeUp?.();
  }

  /** A cancel asked through this process reaches its run at once (others find it at their next heartbeat). */
  cancelLocal(runId: string): boolean {
    const x = this.running.get(runId);
    x?.control.stop("cancel");
    return !!x;
  }

  private async run() {
    let lastReap = 0;
    while (!this.closed) {
      try {
        const now = this.d.clock();
        if (now.getTime() - lastReap >= this.t.leaseMs / 2) {
          lastReap = now.getTime();
          await this.reap(now);
        }
        while (this.running.size < this.concurrency && !this.closed) {
          const row = await claimNext(this.d.db, this.id, this.t.leaseMs, this.d.clock());
          if (!row) break;
          this.begin(row, (x) => x.execute());
        }
      } catch (err) {
        if (!this.closed) this.d.log.error({ err }, "the run queue could not be read");
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.t.pollMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  /** Runs a detached notebook here, where its kernel is (the run was inserted already leased to this worker). */
  runDetached(row: NotebookRunRow, fromCellId: string | null) {
    this.begin(row, (x) => x.executeDetached(fromCellId));
  }

  private begin(row: NotebookRunRow, go: (x: NotebookRunExecution) => Promise<Outcome>) {
    const control = new RunControl();
    const x = new NotebookRunExecution(this.d, row, this.id, control);
    this.running.set(row.id, x);
    const heartbeat = setInterval(
      () => {
        renewLease(this.d.db, row, this.id, this.t.leaseMs, this.d.clock())
          .then((held) => {
            if (!held) control.stop("lease");
            else if (held.cancelRequested) control.stop("cancel");
          })
          .catch((err) => this.d.log.warn({ err, runId: row.id }, "lease renewal failed"));
      },
      Math.max(50, Math.floor(this.t.leaseMs / 4)),
    );
    const timeout = row.timeoutSeconds ? setTimeout(() => control.stop("timeout"), row.timeoutSeconds * 1000) : null;
    const done = (async () => {
      await x.log(`attempt ${row.attempt} of ${row.maxAttempts} started on ${this.id}`);
      const outcome = await go(x).catch(
        (err): Outcome => ({ status: "failed", error: { code: "internal", message: String(err), cellId: null } }),
      );
      if (timeout) clearTimeout(timeout);
      // The cells are done: the slot goes to the next run while this one's kernel stops and it is recorded.
      this.running.delete(row.id);
      this.wake();
      await x.stopKernel();
      clearInterval(heartbeat);
      if (outcome.lost) {
        this.d.log.warn({ runId: row.id }, "lost the lease of a run; another worker has it now");
        return;
      }
      await this.finish(row, x, outcome);
    })()
      .catch((err) => this.d.log.error({ err, runId: row.id }, "finishing a run failed"))
      .finally(() => {
        this.running.delete(row.id);
        this.finishing.delete(done);
        this.wake();
      });
    this.finishing.add(done);
  }

  private async finish(row: NotebookRunRow, x: NotebookRunExecution, outcome: Outcome) {
    if (outcome.requeue) {
      const now = this.d.clock();
      await updateHeld(this.d.db, row, this.id, {
        status: "queued",
        notBefore: now,
        leaseOwner: null,
        leaseExpiresAt: null,
        log: logLine("the server stopped; the run goes back to the queue", now),
      });
      return;
    }
    await x.record(outcome).catch((err) => this.d.log.warn({ err, runId: row.id }, "recording the run failed"));
    const now = this.d.clock();
    const retry =
      outcome.status === "failed" &&
      row.attempt < row.maxAttempts &&
      !FINAL_CODES.has(outcome.error?.code ?? "") &&
      row.trigger !== "detach";
    const what = outcome.error ? `${outcome.status}: ${outcome.error.message}` : outcome.status;
    if (retry) {
      const backoff = row.retryBackoffSeconds * 1000 * 2 ** (row.attempt - 1);
      await updateHeld(this.d.db, row, this.id, {
        status: "queued",
        attempt: row.attempt + 1,
        notBefore: new Date(now.getTime() + backoff),
        leaseOwner: null,
        leaseExpiresAt: null,
        error: outcome.error,
        finishedAt: now,
        log: logLine(`${what}; retrying in ${Math.round(backoff / 1000)} s`, now),
      });
      this.wake();
      return;
    }
    const wrote = await updateHeld(this.d.db, row, this.id, {
      status: outcome.status,
      error: outcome.error,
      finishedAt: now,
      leaseOwner: null,
      leaseExpiresAt: null,
      log: logLine(what, now),
    });
    if (wrote) await this.notifier.runEnded(row.id);
  }

  /** Runs whose lease expired (their worker died): another attempt if the policy allows, else failed. */
  private async reap(now: Date) {
    const ended: string[] = [];
    await expiredLeases(this.d.db, now, async (row, tx) => {
      const retry = row.attempt < row.maxAttempts && row.trigger !== "detach";
      const message =
        row.trigger === "detach"
          ? "The server running this notebook stopped; its kernel state is gone"
          : `The worker running attempt ${row.attempt} stopped renewing its lease (${row.leaseOwner})`;
      const error = { code: "worker_lost", message, cellId: null };
      await (tx as Db)
        .update(schema.notebookRuns)
        .set(
          retry
            ? {
                status: "queued",
                attempt: row.attempt + 1,
                notBefore: now,
                leaseOwner: null,
                leaseExpiresAt: null,
                error,
                log: logLine(`${message}; retrying`, now),
              }
            : {
                status: "failed",
                error,
                finishedAt: now,
                leaseOwner: null,
                leaseExpiresAt: null,
                log: logLine(`failed: ${message}`, now),
              },
        )
        .where(eq(schema.notebookRuns.id, row.id));
      if (!retry) ended.push(row.id);
    });
    for (const id of ended) {
      await this.closeTrackingRun(id);
      await this.notifier.runEnded(id);
    }
    if (ended.length) this.wake();
  }

  private async closeTrackingRun(runId: string) {
    const [row] = await this.d.db
      .select({ experimentRunId: schema.notebookRuns.experimentRunId })
      .from(schema.notebookRuns)
      .where(eq(schema.notebookRuns.id, runId));
    if (!row?.experimentRunId) return;
    const run = await this.d.tracking.runs.row(row.experimentRunId).catch(() => null);
    if (run && run.status === "RUNNING")
      await this.d.tracking.runs.update(run, { status: "FAILED", endTime: this.d.clock().getTime() });
  }

  get active(): number {
    return this.running.size;
  }

  /** Stops taking runs; runs going here end as failed (worker_lost) unless their policy retries them elsewhere. */
  async close() {
    this.closed = true;
    this.wake();
    await this.loop;
    for (const x of this.running.values()) x.control.stop("shutdown");
    await Promise.allSettled([...this.finishing]);
  }
}
