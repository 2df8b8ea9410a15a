import { A, useNavigate } from "@solidjs/router";
import type { NotebookRun } from "@tandem/protocol";
import { createResource, createSignal, For, Show } from "solid-js";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { ParametersEditor } from "../components/ParametersEditor.tsx";
import { RunStatusBadge } from "../components/RunStatus.tsx";
import { relativeTime } from "../lib/format.ts";
import { elapsed, formatDuration, isActive, type ParameterRow, parseParameters } from "../lib/jobs.ts";
import { usePolling } from "../lib/polling.ts";
import { runsApi } from "../lib/runs.ts";

/**
 * The notebook's runs: start a headless run with parameters, keep this notebook running on the
 * server, schedule it, and its recent runs (live while one goes).
 */
export function RunsPanel(props: {
  notebookId: string;
  projectId: string;
  canEdit: boolean;
  activeCellId: string | null;
  activeCellIndex: number;
}) {
  const navigate = useNavigate();
  const [rows, setRows] = createSignal<ParameterRow[]>([]);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [detached, setDetached] = createSignal<NotebookRun | null>(null);
  const [recent, { refetch }] = createResource(
    () => props.notebookId,
    (id) => runsApi.notebookRuns(id, { limit: 5 }).then((p) => p.runs),
  );
  usePolling(
    () => (recent() ?? []).some((r: NotebookRun) => isActive(r.status)),
    async () => void (await refetch()),
  );

  const act = async (f: () => Promise<NotebookRun>) => {
    setBusy(true);
    setError(null);
    try {
      const run = await f();
      navigate(`/runs/${run.id}`);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="side-panel runs-panel">
      <h2>Runs</h2>
      <Show when={props.canEdit}>
        <form
          class="stack-sm"
          aria-label="Run with parameters"
          onSubmit={(e) => {
            e.preventDefault();
            const parsed = parseParameters(rows());
            if (!parsed.ok) return setError(parsed.error);
            void act(() => runsApi.startRun(props.notebookId, { parameters: parsed.value }));
          }}
        >
          <p class="muted small">
            Runs a copy of this notebook on the server, top to bottom, with these parameters; it goes on when you close
            the page and is recorded as an experiment.
          </p>
          <ParametersEditor rows={rows()} onChange={setRows} idPrefix="run-param" />
          <button class="btn btn-primary" type="submit" disabled={busy()}>
            Start run
          </button>
        </form>
        <div class="stack-sm keep-running">
          <h3>Keep running on the server</h3>
          <p class="muted small">
            Runs this notebook itself from the selected cell
            {props.activeCellIndex >= 0 ? ` (cell ${props.activeCellIndex + 1})` : ""} to the end on its kernel; the
            outputs arrive here, and it keeps going when everyone closes the page.
          </p>
          <button
            type="button"
            class="btn"
            disabled={busy()}
            onClick={async () => {
              // Stay on the notebook: its outputs keep arriving here, and the page can be closed.
              setBusy(true);
              setError(null);
              try {
                setDetached(await runsApi.detach(props.notebookId, props.activeCellId ?? undefined));
                await refetch();
              } catch (err) {
                setError(messageOf(err));
              } finally {
                setBusy(false);
              }
            }}
          >
            Keep running from here
          </button>
          <Show when={detached()}>
            {(r) => (
              <p class="notice notice-success small" role="status">
                Running on the server as <A href={`/runs/${r().id}`}>run #{r().number}</A>: you can close this page.
              </p>
            )}
          </Show>
        </div>
        <A class="btn btn-ghost" href={`/projects/${props.projectId}/jobs?new=1&notebook=${props.notebookId}`}>
          Schedule…
        </A>
      </Show>
      <ErrorNote error={error() ?? (recent.error ? messageOf(recent.error) : null)} />
      <h3>Recent runs</h3>
      <Show when={recent()} fallback={<p class="muted small">Loading…</p>}>
        <Show when={recent()!.length} fallback={<p class="muted small">No runs yet.</p>}>
          <ul class="rows" aria-label="Recent runs">
            <For each={recent()}>
              {(r) => (
                <li class="row">
                  <A href={`/runs/${r.id}`}>#{r.number}</A>
                  <RunStatusBadge status={r.status} />
                  <span class="muted small">
                    {relativeTime(r.startedAt ?? r.createdAt)}
                    <Show when={elapsed(r) !== null}> · {formatDuration(elapsed(r))}</Show>
                  </span>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
      <A href={`/projects/${props.projectId}/runs?notebookId=${props.notebookId}`} class="small">
        All runs of this notebook →
      </A>
    </div>
  );
}
