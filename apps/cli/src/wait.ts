import type { NotebookRun, NotebookRunStatus } from "@tandem/protocol";
import { ApiRequestError, type TandemClient } from "./client.ts";

const POLL_MS = 1000;
/** How long the server may be away (restarting, a proxy's 502) before waiting gives up. */
const OUTAGE_MS = 120_000;

// The protocol's FINISHED_RUN_STATUSES, restated: importing values from it would load zod and every
// schema at each start of the CLI, which only needs its types.
const FINISHED: readonly NotebookRunStatus[] = ["succeeded", "failed", "cancelled", "skipped"];
export const isFinished = (run: NotebookRun) => FINISHED.includes(run.status);

/** One line of progress: status, attempt, and which cell of how many. */
export function progressLine(run: NotebookRun): string {
  const parts = [`run #${run.number} ${run.status}`];
  if (run.maxAttempts > 1) parts.push(`attempt ${run.attempt}/${run.maxAttempts}`);
  // A failed attempt goes back to the queue with its error kept: say why it is being retried.
  if (run.status === "queued" && run.attempt > 1 && run.error)
    parts.push(`retrying after ${run.error.code}: ${run.error.message.split("\n")[0]}`);
  const total = run.cells.length;
  // A retry starts the cells over, but the previous attempt's stay until it reaches them.
  const thisAttempt = run.cells.filter((c) => c.startedAt && (!run.startedAt || c.startedAt >= run.startedAt));
  const current = thisAttempt.find((c) => c.status === "running");
  if (run.status === "running" && current) parts.push(`cell ${current.index + 1}/${total}`);
  else if (run.status === "running" && total) {
    const done = thisAttempt.filter((c) => c.status !== "running").length;
    parts.push(`${done}/${total} cells done`);
  }
  return parts.join(", ");
}

/** What went wrong, for stderr: the error's code and message, and the failing cell. */
export function failureText(run: NotebookRun): string {
  const head = `run #${run.number} (${run.id}) ${run.status}`;
  if (!run.error) return head;
  const cell = run.error.cellId ? run.cells.find((c) => c.cellId === run.error!.cellId) : undefined;
  const where = run.error.cellId
    ? ` in cell ${run.error.cellId}${cell ? ` (${cell.index + 1}/${run.cells.length})` : ""}`
    : "";
  return `${head}: ${run.error.code}${where}\n${run.error.message}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls a run until it finishes, writing each change of progress to stderr (unless quiet).
 * Ctrl-C stops waiting, not the run: the answer is then "interrupted".
 */
export async function waitForRun(
  client: TandemClient,
  id: string,
  options: { quiet?: boolean } = {},
): Promise<NotebookRun | "interrupted"> {
  let interrupted!: () => void;
  const stopped = new Promise<"interrupted">((resolve) => {
    interrupted = () => resolve("interrupted");
  });
  process.once("SIGINT", interrupted);
  try {
    let last = "";
    let outageSince: number | undefined;
    for (;;) {
      let run: NotebookRun | "interrupted";
      try {
        run = await Promise.race([client.get<NotebookRun>(`/api/runs/${id}`), stopped]);
        outageSince = undefined;
      } catch (err) {
        const transient = err instanceof ApiRequestError && (err.status === 0 || err.status >= 502);
        if (!transient) throw err;
        outageSince ??= Date.now();
        if (Date.now() - outageSince > OUTAGE_MS) throw err;
        if (!options.quiet) process.stderr.write(`tandem: ${err.message}; still waiting\n`);
        if ((await Promise.race([sleep(POLL_MS * 5), stopped])) === "interrupted") return "interrupted";
        continue;
      }
      if (run === "interrupted") return run;
      const line = progressLine(run);
      if (!options.quiet && line !== last) process.stderr.write(`${line}\n`);
      last = line;
      if (isFinished(run)) return run;
      if ((await Promise.race([sleep(POLL_MS), stopped])) === "interrupted") return "interrupted";
    }
  } finally {
    process.removeListener("SIGINT", interrupted);
  }
}
