import type { NotebookRun, NotebookRunPage } from "@tandem/protocol";
import { createEffect, createSignal, For, on, Show } from "solid-js";
import { isActive } from "../lib/jobs.ts";
import { usePolling } from "../lib/polling.ts";
import type { RunQuery } from "../lib/runs.ts";
import { ErrorNote, messageOf } from "./ErrorNote.tsx";
import { RunsTable } from "./RunsTable.tsx";

const STATUSES = ["queued", "running", "succeeded", "failed", "cancelled", "skipped"];

/**
 * A run history that stays live: while any run shown is queued or running (and the tab is
 * visible) it refreshes every two seconds, then stops.
 */
export function RunHistory(props: {
  /** Changes when the list is another one (another job, project…): it then reloads. */
  source: string;
  load: (q: RunQuery) => Promise<NotebookRunPage>;
  label: string;
  showNotebook?: boolean;
  showJob?: boolean;
  empty?: string;
  /** Bumped by the page to reload the list (e.g. when a schedule is due). */
  refresh?: number;
  /** Told the runs after each load (the job page follows its last run with it). */
  onRuns?: (runs: NotebookRun[]) => void;
}) {
  const [status, setStatus] = createSignal("");
  const [runs, setRuns] = createSignal<NotebookRun[] | null>(null);
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [loadingMore, setLoadingMore] = createSignal(false);
  let generation = 0;

  /** Reloads the first pages (as many runs as are shown now), keeping what more was loaded. */
  const reload = async () => {
    const gen = ++generation;
    const shown = Math.max(25, Math.min(500, runs()?.length ?? 0));
    try {
      const page = await props.load({ status: status() || undefined, limit: shown });
      if (gen !== generation) return;
      setRuns(page.runs);
      setCursor(page.nextCursor);
      setError(null);
      props.onRuns?.(page.runs);
    } catch (err) {
      if (gen === generation) setError(messageOf(err));
    }
  };
  const more = async () => {
    const c = cursor();
    if (!c) return;
    setLoadingMore(true);
    const gen = ++generation;
    try {
      const page = await props.load({ status: status() || undefined, limit: 25, cursor: c });
      if (gen !== generation) return;
      setRuns([...(runs() ?? []), ...page.runs]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setLoadingMore(false);
    }
  };
  createEffect(
    on([() => props.source, status], () => {
      setRuns(null);
      void reload();
    }),
  );
  createEffect(
    on(
      () => props.refresh,
      () => void reload(),
      { defer: true },
    ),
  );
  const live = () => (runs() ?? []).some((r) => isActive(r.status));
  usePolling(live, reload);

  return (
    <div class="run-history">
      <div class="inline-form">
        <label for={`status-${props.label}`} class="small muted">
          Status
        </label>
        <select
          id={`status-${props.label}`}
          class="input input-sm"
          value={status()}
          onChange={(e) => setStatus(e.currentTarget.value)}
        >
          <option value="">All</option>
          <For each={STATUSES}>{(s) => <option value={s}>{s[0]!.toUpperCase() + s.slice(1)}</option>}</For>
        </select>
        <Show when={live()}>
          <span class="live-dot small muted" role="status">
            Live
          </span>
        </Show>
      </div>
      <ErrorNote error={error()} />
      <Show when={runs()} fallback={<p class="muted">Loading runs…</p>}>
        <Show when={runs()!.length} fallback={<p class="muted">{props.empty ?? "No runs yet."}</p>}>
          <RunsTable runs={runs()!} label={props.label} showNotebook={props.showNotebook} showJob={props.showJob} />
        </Show>
      </Show>
      <Show when={cursor()}>
        <button type="button" class="btn btn-sm" disabled={loadingMore()} onClick={() => void more()}>
          Load more
        </button>
      </Show>
    </div>
  );
}
