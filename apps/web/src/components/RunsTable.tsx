import { A } from "@solidjs/router";
import type { NotebookRun } from "@tandem/protocol";
import { createMemo, For, Show } from "solid-js";
import { formatDate } from "../lib/format.ts";
import { elapsed, formatDuration, parametersInline } from "../lib/jobs.ts";
import { formatMetric } from "../lib/tracking.ts";
import { RunStatusBadge } from "./RunStatus.tsx";

const TRIGGERS: Record<string, string> = {
  manual: "Manual",
  schedule: "Schedule",
  rerun: "Re-run",
  detach: "Detached",
};

/** Up to `max` metric names over the runs, sorted: the table's "key metrics" columns. */
function metricKeys(runs: NotebookRun[], max = 4): string[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.metrics ?? {})) keys.add(k);
  return [...keys].sort().slice(0, max);
}

/** Notebook runs as a table; each row links to the run's page. */
export function RunsTable(props: {
  runs: NotebookRun[];
  label: string;
  showNotebook?: boolean;
  showJob?: boolean;
  now?: number;
}) {
  const metrics = createMemo(() => metricKeys(props.runs));
  return (
    <div class="table-wrap">
      <table class="runs-table notebook-runs" aria-label={props.label}>
        <thead>
          <tr>
            <th>Run</th>
            <Show when={props.showNotebook}>
              <th>Notebook</th>
            </Show>
            <Show when={props.showJob}>
              <th>Job</th>
            </Show>
            <th>Trigger</th>
            <th>Status</th>
            <th>Started</th>
            <th>Duration</th>
            <th>Parameters</th>
            <For each={metrics()}>{(k) => <th class="num">{k}</th>}</For>
          </tr>
        </thead>
        <tbody>
          <For each={props.runs}>
            {(r) => (
              <tr data-run-id={r.id}>
                <td>
                  <A href={`/runs/${r.id}`} aria-label={`Run #${r.number} of ${r.notebookName}`}>
                    #{r.number}
                  </A>
                  <Show when={r.attempt > 1}>
                    <span class="muted small"> (try {r.attempt})</span>
                  </Show>
                </td>
                <Show when={props.showNotebook}>
                  <td>
                    <Show when={r.notebookId} fallback={<span class="muted">{r.notebookName} (deleted)</span>}>
                      <A href={`/notebooks/${r.notebookId}`}>{r.notebookName}</A>
                    </Show>
                  </td>
                </Show>
                <Show when={props.showJob}>
                  <td>
                    <Show when={r.jobId} fallback={<span class="muted">{r.jobName ?? "—"}</span>}>
                      <A href={`/jobs/${r.jobId}`}>{r.jobName ?? "Job"}</A>
                    </Show>
                  </td>
                </Show>
                <td class="small">{TRIGGERS[r.trigger] ?? r.trigger}</td>
                <td>
                  <RunStatusBadge status={r.status} />
                </td>
                <td class="small">
                  {r.startedAt ? formatDate(r.startedAt) : <span class="muted">due {formatDate(r.scheduledFor)}</span>}
                </td>
                <td class="small num">{formatDuration(elapsed(r, props.now))}</td>
                <td class="mono small" title={JSON.stringify(r.parameters)}>
                  {parametersInline(r.parameters, 60)}
                </td>
                <For each={metrics()}>{(k) => <td class="mono num">{formatMetric(r.metrics?.[k]?.value)}</td>}</For>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  );
}
