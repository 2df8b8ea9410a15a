import { schema } from "@tandem/db";
import { eq } from "drizzle-orm";
import type { SchedulerDeps } from "./context.ts";
import { toNotebookRuns } from "./views.ts";

const ATTEMPTS = 4;
const TIMEOUT_MS = 10_000;

/** Tells a job's webhook that one of its runs ended (JSON POST, retried with backoff on failure). */
export class Notifier {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly d: SchedulerDeps,
    private readonly retryBaseMs = 1000,
  ) {}

  async runEnded(runId: string): Promise<void> {
    const [row] = await this.d.db.select().from(schema.notebookRuns).where(eq(schema.notebookRuns.id, runId));
    if (!row?.jobId) return;
    const [job] = await this.d.db.select().from(schema.jobs).where(eq(schema.jobs.id, row.jobId));
    const hook = job?.webhook;
    const event = row.status === "succeeded" ? "success" : row.status === "failed" ? "failure" : null;
    if (!hook || !event || !hook.events.includes(event)) return;
    const [run] = await toNotebookRuns(this.d.db, [row]);
    const body = JSON.stringify({ event, job: { id: job.id, name: job.name }, run });
    const p = this.deliver(hook.url, body, runId).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private async deliver(url: string, body: string, runId: string) {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": "Tandem-Webhook/1" },
          body,
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        // A 4xx other than 408/429 will not get better by asking again.
        if (res.ok || (res.status < 500 && res.status !== 408 && res.status !== 429)) {
          if (!res.ok) this.d.log.warn({ url, status: res.status, runId }, "webhook refused");
          return;
        }
      } catch (err) {
        if (attempt === ATTEMPTS) this.d.log.warn({ err, url, runId }, "webhook failed");
      }
      if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, this.retryBaseMs * 2 ** (attempt - 1)));
    }
  }

  /** Waits a little for deliveries in flight (at shutdown); a slow endpoint must not hold the server. */
  async drain(withinMs = 3000) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.pending]),
      new Promise((r) => {
        timer = setTimeout(r, withinMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
