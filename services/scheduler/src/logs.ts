import type { CellRun } from "@tandem/protocol";
import type { SchedulerDeps } from "./context.ts";
import type { NotebookRunRow } from "./queue.ts";

// Tracebacks carry terminal colours; a log is plain text.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, "g");

/** The run's log: its lifecycle events, then each cell's status, timing, streams and error. */
export async function runLogs(d: SchedulerDeps, run: NotebookRunRow): Promise<string> {
  let out = run.log;
  if (!run.documentId) return out;
  const nb = await d.collab.exportNotebook(run.documentId).catch(() => null);
  if (!nb) return out;
  const byId = new Map(nb.cells.map((c) => [c.id, c]));
  for (const cell of run.cells as CellRun[]) {
    const c = byId.get(cell.cellId);
    const timing = cell.durationMs === null ? "" : ` in ${(cell.durationMs / 1000).toFixed(2)} s`;
    out += `\n--- cell ${cell.index + 1} (${cell.cellId}): ${cell.status}${timing}\n`;
    for (const o of (c?.outputs as Record<string, unknown>[] | undefined) ?? []) {
      if (o.output_type === "stream") out += text(o.text);
      else if (o.output_type === "error") out += `${(o.traceback as string[]).join("\n").replace(ANSI, "")}\n`;
    }
  }
  return out;
}

const text = (t: unknown) => {
  const s = Array.isArray(t) ? t.join("") : String(t ?? "");
  return s.endsWith("\n") || !s ? s : `${s}\n`;
};
