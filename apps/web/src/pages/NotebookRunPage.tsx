import "katex/dist/katex.min.css";
import { A, useNavigate, useParams } from "@solidjs/router";
import type { NotebookRun } from "@tandem/protocol";
import { createResource, createSignal, For, Show } from "solid-js";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { ParametersEditor } from "../components/ParametersEditor.tsx";
import { RunStatusBadge } from "../components/RunStatus.tsx";
import { api } from "../lib/api.ts";
import { formatDate } from "../lib/format.ts";
import {
  elapsed,
  formatDuration,
  formatParameterValue,
  isActive,
  type ParameterRow,
  parameterRows,
  parseParameters,
} from "../lib/jobs.ts";
import { usePolling } from "../lib/polling.ts";
import { fetchLogs, runsApi } from "../lib/runs.ts";
import { user } from "../lib/session.ts";
import { usePageTitle } from "../lib/title.ts";
import { formatMetric } from "../lib/tracking.ts";
import { useNotebookConnection } from "../notebook/connection.ts";
import { NotebookView } from "../notebook/NotebookView.tsx";

const ERROR_CODES: Record<string, string> = {
  cell_error: "A cell raised an error",
  timeout: "The run took longer than its timeout",
  kernel_died: "The kernel died",
  worker_lost: "The worker running it was lost",
  notebook_missing: "The notebook no longer exists",
  environment_unavailable: "The environment is not available",
  invalid_parameters: "The parameters are not valid",
  internal: "Internal error",
};

/** `/runs/:runId` (a UUID): one notebook run, live while it goes. */
export function NotebookRunPage() {
  const params = useParams<{ runId: string }>();
  return (
    <Show when={params.runId} keyed>
      {(id) => <RunDetail runId={id} />}
    </Show>
  );
}

function RunDetail(props: { runId: string }) {
  const navigate = useNavigate();
  const [run, { mutate, refetch }] = createResource(() => props.runId, runsApi.run);
  const [project] = createResource(() => run()?.projectId, api.project);
  const [error, setError] = createSignal<string | null>(null);
  const [rerunRows, setRerunRows] = createSignal<ParameterRow[] | null>(null);
  const [logs, setLogs] = createSignal<string | null>(null);
  const [reveal, setReveal] = createSignal<{ cellId: string } | null>(null);
  const showCell = (cellId: string) => setReveal({ cellId });
  usePageTitle(() => (run() ? `Run #${run()!.number} · ${run()!.notebookName}` : undefined));
  const canEdit = () => !!project() && project()!.role !== "viewer";
  const active = () => !!run() && isActive(run()!.status);

  const refreshLogs = async () => {
    if (logs() !== null) setLogs(await fetchLogs(props.runId));
  };
  usePolling(active, async () => {
    await refetch();
    await refreshLogs();
  });

  const act = async (f: () => Promise<void>) => {
    setError(null);
    try {
      await f();
    } catch (err) {
      setError(messageOf(err));
      // The run may have moved on meanwhile (e.g. finished before the cancel arrived): show where it is.
      void refetch();
    }
  };
  const go = (next: NotebookRun) => navigate(`/runs/${next.id}`);

  return (
    <section class="content run-page">
      <ErrorNote error={error() ?? (run.error ? messageOf(run.error) : null)} />
      <Show when={run()} fallback={<Show when={!run.error}>{<p class="muted">Loading run…</p>}</Show>}>
        {(r) => (
          <>
            <nav class="crumbs" aria-label="Breadcrumb">
              <A href={`/projects/${r().projectId}`}>{project()?.name ?? "Project"}</A>
              <span aria-hidden="true">/</span>
              <A href={`/projects/${r().projectId}/runs`}>Runs</A>
              <span aria-hidden="true">/</span>
              <Show when={r().jobId}>
                <A href={`/jobs/${r().jobId}`}>{r().jobName ?? "Job"}</A>
                <span aria-hidden="true">/</span>
              </Show>
            </nav>
            <div class="page-head">
              <h1>
                Run #{r().number} of{" "}
                <Show when={r().notebookId} fallback={<span>{r().notebookName}</span>}>
                  <A href={`/notebooks/${r().notebookId}`}>{r().notebookName}</A>
                </Show>
              </h1>
              <RunStatusBadge status={r().status} />
              <span class="spacer" />
              <Show when={canEdit()}>
                <Show when={active()}>
                  <button
                    type="button"
                    class="btn"
                    onClick={() => act(async () => void mutate(await runsApi.cancel(r().id)))}
                  >
                    Cancel run
                  </button>
                </Show>
                <Show when={!active()}>
                  <button type="button" class="btn" onClick={() => act(async () => go(await runsApi.retry(r().id)))}>
                    Retry
                  </button>
                </Show>
                <button
                  type="button"
                  class="btn"
                  aria-expanded={rerunRows() !== null}
                  onClick={() => setRerunRows(rerunRows() ? null : parameterRows(r().parameters))}
                >
                  Re-run with changes…
                </button>
              </Show>
              <button
                type="button"
                class="btn btn-ghost"
                aria-expanded={logs() !== null}
                onClick={() =>
                  logs() !== null ? setLogs(null) : act(async () => void setLogs(await fetchLogs(r().id)))
                }
              >
                Logs
              </button>
              <a
                class="btn btn-ghost"
                href={runsApi.ipynbUrl(r().id)}
                download={`${r().notebookName}-run-${r().number}.ipynb`}
                title={active() ? "The notebook as it stands so far" : "The executed notebook"}
              >
                Download .ipynb
              </a>
              <Show when={!active()}>
                <Show when={canEdit()}>
                  <ConfirmButton
                    label="Delete run"
                    confirmLabel="Delete run"
                    onConfirm={() =>
                      act(async () => {
                        await runsApi.deleteRun(r().id);
                        navigate(`/projects/${r().projectId}/runs`, { replace: true });
                      })
                    }
                  />
                </Show>
              </Show>
            </div>
            <p class="muted small run-meta">
              {r().trigger === "schedule"
                ? "Started by its schedule"
                : r().trigger === "rerun"
                  ? "A re-run"
                  : r().trigger === "detach"
                    ? "Kept running on the server from the notebook"
                    : "Started by hand"}
              <Show when={r().rerunOf}>
                {" "}
                of <A href={`/runs/${r().rerunOf}`}>an earlier run</A>
              </Show>
              {" · "}attempt {r().attempt} of {r().maxAttempts}
              <Show when={r().kernelspec}> · kernel {r().kernelspec}</Show>
              <Show when={r().revision}> · notebook version {r().revision}</Show>
              <Show when={r().timeoutSeconds}> · timeout {formatDuration(r().timeoutSeconds! * 1000)}</Show>
            </p>

            <Show when={rerunRows()}>
              <form
                class="panel stack-sm"
                aria-label="Re-run with changed parameters"
                onSubmit={(e) => {
                  e.preventDefault();
                  const parsed = parseParameters(rerunRows()!);
                  if (!parsed.ok) return setError(parsed.error);
                  void act(async () => go(await runsApi.rerun(r().id, parsed.value)));
                }}
              >
                <h2>Re-run with changed parameters</h2>
                <ParametersEditor rows={rerunRows()!} onChange={setRerunRows} idPrefix="rerun-param" />
                <div class="inline-form">
                  <button class="btn btn-primary" type="submit">
                    Start re-run
                  </button>
                  <button class="btn btn-ghost" type="button" onClick={() => setRerunRows(null)}>
                    Cancel
                  </button>
                </div>
              </form>
            </Show>

            <Show when={r().error}>
              {(e) => (
                <div class="notice notice-error run-error" role="alert">
                  <strong>{ERROR_CODES[e().code] ?? e().code}</strong> <code class="small">{e().code}</code>
                  <pre class="mono">{e().message}</pre>
                  <Show when={e().cellId}>
                    {(cellId) => (
                      <button type="button" class="btn btn-sm" onClick={() => showCell(cellId())}>
                        Show the failing cell
                      </button>
                    )}
                  </Show>
                </div>
              )}
            </Show>

            <Show when={logs() !== null}>
              <section class="panel" aria-label="Logs">
                <h2>Logs</h2>
                <pre class="mono run-logs">{logs() || "(empty)"}</pre>
              </section>
            </Show>

            <div class="run-facts">
              <div class="panel">
                <h2>Parameters</h2>
                <Show when={Object.keys(r().parameters).length} fallback={<p class="muted">None.</p>}>
                  <table class="kv-table" aria-label="Parameters">
                    <tbody>
                      <For each={Object.entries(r().parameters)}>
                        {([k, v]) => (
                          <tr>
                            <th scope="row">{k}</th>
                            <td class="mono">{formatParameterValue(v)}</td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </Show>
              </div>
              <div class="panel">
                <h2>Timing</h2>
                <table class="kv-table" aria-label="Timing">
                  <tbody>
                    <tr>
                      <th scope="row">Due</th>
                      <td>{formatDate(r().scheduledFor)}</td>
                    </tr>
                    <tr>
                      <th scope="row">Started</th>
                      <td>{r().startedAt ? formatDate(r().startedAt!) : "—"}</td>
                    </tr>
                    <tr>
                      <th scope="row">Finished</th>
                      <td>{r().finishedAt ? formatDate(r().finishedAt!) : "—"}</td>
                    </tr>
                    <tr>
                      <th scope="row">Duration</th>
                      <td>{formatDuration(elapsed(r())) || "—"}</td>
                    </tr>
                  </tbody>
                </table>
              </div>
              <div class="panel">
                <h2>Metrics</h2>
                <Show when={Object.keys(r().metrics ?? {}).length} fallback={<p class="muted">None logged.</p>}>
                  <table class="kv-table" aria-label="Metrics">
                    <tbody>
                      <For each={Object.entries(r().metrics).sort(([a], [b]) => a.localeCompare(b))}>
                        {([k, m]) => (
                          <tr>
                            <th scope="row">{k}</th>
                            <td class="mono">{formatMetric(m.value)}</td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </Show>
                <Show when={r().experimentRunId}>
                  <A href={`/experiment-runs/${r().experimentRunId}`}>Experiment run (charts, artifacts) →</A>
                </Show>
              </div>
            </div>

            <Show when={r().cells.length}>
              <div class="panel">
                <h2>Cells</h2>
                <div class="table-wrap">
                  <table class="runs-table" aria-label="Cell timing">
                    <thead>
                      <tr>
                        <th>#</th>
                        <th>Cell</th>
                        <th>Status</th>
                        <th>Started</th>
                        <th class="num">Duration</th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={r().cells}>
                        {(c) => (
                          <tr classList={{ "cell-failed": c.status === "error" }}>
                            <td class="num">{c.index + 1}</td>
                            <td>
                              <button type="button" class="btn-link mono" onClick={() => showCell(c.cellId)}>
                                {c.cellId.slice(0, 12)}
                              </button>
                            </td>
                            <td class="small">{c.status}</td>
                            <td class="small">{c.startedAt ? formatDate(c.startedAt) : ""}</td>
                            <td class="num small">{formatDuration(c.durationMs)}</td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </div>
              </div>
            </Show>

            <Show
              when={r().documentId}
              fallback={
                <p class="muted">
                  {active()
                    ? "The run's document appears here when the run starts."
                    : "This run has no document (it never started, or its notebook was deleted)."}
                </p>
              }
            >
              {(docId) => (
                <Show when={docId()} keyed>
                  {(id) => <RunDocument documentId={id} run={r()} reveal={reveal()} />}
                </Show>
              )}
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}

/** The run's own document, live and read-only (the collaboration server refuses edits to it too). */
function RunDocument(props: { documentId: string; run: NotebookRun; reveal: { cellId: string } | null }) {
  const { conn } = useNotebookConnection(props.documentId);
  const detached = () => props.documentId === props.run.notebookId;
  return (
    <section class="run-document notebook-page" aria-label="Run document">
      <Show when={conn()} keyed>
        {(c) => (
          <NotebookView
            notebookId={props.documentId}
            conn={c}
            readOnly
            reveal={props.reveal}
            showKernel={isActive(props.run.status) || props.documentId === props.run.notebookId}
            me={{ id: user()?.id, name: user()?.name ?? "Me" }}
            title={
              <h2 class="nb-name">
                {detached() ? "The notebook (this run writes into it)" : `Run #${props.run.number}: executed notebook`}
              </h2>
            }
            actions={
              <Show when={detached()}>
                <A class="btn btn-ghost" href={`/notebooks/${props.documentId}`}>
                  Open notebook
                </A>
              </Show>
            }
          />
        )}
      </Show>
    </section>
  );
}
