import { A, useNavigate, useParams, useSearchParams } from "@solidjs/router";
import type { NotebookRun } from "@tandem/protocol";
import { createEffect, createResource, createSignal, on, onCleanup, Show } from "solid-js";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { JobForm } from "../components/JobForm.tsx";
import { JobSchedule, UpcomingTimes } from "../components/JobRow.tsx";
import { RunHistory } from "../components/RunHistory.tsx";
import { api } from "../lib/api.ts";
import { formatDuration, parametersInline } from "../lib/jobs.ts";
import { runsApi } from "../lib/runs.ts";
import { usePageTitle } from "../lib/title.ts";

/** `/jobs/:jobId`: one job, its settings (`?edit=1` edits them) and its run history. */
export function JobPage() {
  const params = useParams<{ jobId: string }>();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const [job, { mutate, refetch }] = createResource(() => params.jobId, runsApi.job);
  const [project] = createResource(() => job()?.projectId, api.project);
  const [error, setError] = createSignal<string | null>(null);
  usePageTitle(() => job()?.name);
  const canEdit = () => !!project() && project()!.role !== "viewer";
  const editing = () => search.edit === "1";

  // When the next fire time comes, look again: the new run shows up and the next times move on.
  const [refresh, setRefresh] = createSignal(0);
  let dueTimer: number | undefined;
  createEffect(
    on(
      () => job()?.nextFireAt,
      (at) => {
        clearTimeout(dueTimer);
        const wait = at ? Date.parse(at) - Date.now() + 1500 : Number.NaN;
        if (!(wait < 2 ** 31 - 1)) return;
        dueTimer = window.setTimeout(
          () => {
            void refetch();
            setRefresh((n) => n + 1);
          },
          Math.max(1000, wait),
        );
      },
    ),
  );
  onCleanup(() => clearTimeout(dueTimer));
  // The job's "last run" follows its history as runs start and end.
  let lastSeen = "";
  const followRuns = (runs: NotebookRun[]) => {
    const latest = runs[0] ? `${runs[0].id}:${runs[0].status}` : "";
    if (lastSeen && latest !== lastSeen) void refetch();
    lastSeen = latest;
  };

  return (
    <section class="content">
      <ErrorNote error={error() ?? (job.error ? messageOf(job.error) : null)} />
      <Show when={job()} fallback={<Show when={!job.error}>{<p class="muted">Loading job…</p>}</Show>}>
        {(j) => (
          <>
            <nav class="crumbs" aria-label="Breadcrumb">
              <A href={`/projects/${j().projectId}`}>{project()?.name ?? "Project"}</A>
              <span aria-hidden="true">/</span>
              <A href={`/projects/${j().projectId}/jobs`}>Jobs</A>
              <span aria-hidden="true">/</span>
            </nav>
            <div class="page-head">
              <h1>{j().name}</h1>
              <span class={`badge ${j().enabled ? "badge-editor" : ""}`}>{j().enabled ? "Enabled" : "Paused"}</span>
              <span class="spacer" />
              <Show when={canEdit()}>
                <button
                  type="button"
                  class="btn btn-primary"
                  disabled={!j().notebookId}
                  onClick={async () => {
                    try {
                      const run = await runsApi.runJob(j().id);
                      navigate(`/runs/${run.id}`);
                    } catch (err) {
                      setError(messageOf(err));
                    }
                  }}
                >
                  Run now
                </button>
                <Show when={!editing()}>
                  <button type="button" class="btn" onClick={() => setSearch({ edit: "1" })}>
                    Edit
                  </button>
                </Show>
                <ConfirmButton
                  label="Delete job"
                  confirmLabel="Delete job"
                  onConfirm={async () => {
                    try {
                      await runsApi.deleteJob(j().id);
                      navigate(`/projects/${j().projectId}/jobs`, { replace: true });
                    } catch (err) {
                      setError(messageOf(err));
                    }
                  }}
                />
              </Show>
            </div>
            <Show when={j().problem}>
              <p class="notice notice-error job-problem" role="alert">
                {j().problem}
              </p>
            </Show>
            <Show
              when={editing() && canEdit()}
              fallback={
                <div class="panel job-summary">
                  <dl class="facts">
                    <dt>Notebook</dt>
                    <dd>
                      <Show when={j().notebookId} fallback={<em>deleted</em>}>
                        <A href={`/notebooks/${j().notebookId}`}>{j().notebookName}</A>
                      </Show>
                    </dd>
                    <dt>Schedule</dt>
                    <dd>
                      <JobSchedule job={j()} />
                    </dd>
                    <dt>Next runs</dt>
                    <dd>
                      <UpcomingTimes job={j()} max={5} />
                    </dd>
                    <dt>Parameters</dt>
                    <dd class="mono">{parametersInline(j().parameters, 200) || <span class="muted">none</span>}</dd>
                    <dt>Policies</dt>
                    <dd class="small">
                      missed times: {j().catchUp} · overlapping: {j().concurrency} · timeout:{" "}
                      {j().timeoutSeconds ? formatDuration(j().timeoutSeconds! * 1000) : "none"} · retries:{" "}
                      {j().retries}
                      {j().retries ? ` (backoff ${j().retryBackoffSeconds} s)` : ""} ·{" "}
                      {j().stopOnError ? "stops at the first error" : "runs every cell"}
                    </dd>
                    <Show when={j().webhook}>
                      {(w) => (
                        <>
                          <dt>Webhook</dt>
                          <dd class="small">
                            <code>{w().url}</code> on {w().events.join(" and ")}
                          </dd>
                        </>
                      )}
                    </Show>
                  </dl>
                </div>
              }
            >
              <JobForm
                projectId={j().projectId}
                job={j()}
                onSaved={(saved) => {
                  mutate(saved);
                  setSearch({ edit: undefined });
                }}
                onCancel={() => setSearch({ edit: undefined })}
              />
            </Show>
            <div class="panel">
              <h2>Runs</h2>
              <RunHistory
                source={j().id}
                label="Job runs"
                showNotebook={false}
                load={(q) => runsApi.jobRuns(j().id, q)}
                empty="This job has not run yet."
                refresh={refresh()}
                onRuns={followRuns}
              />
            </div>
          </>
        )}
      </Show>
    </section>
  );
}
