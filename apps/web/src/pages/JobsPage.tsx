import { A, useNavigate, useParams, useSearchParams } from "@solidjs/router";
import type { Job } from "@tandem/protocol";
import { createResource, createSignal, For, Show } from "solid-js";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { JobForm } from "../components/JobForm.tsx";
import { JobRow } from "../components/JobRow.tsx";
import { api } from "../lib/api.ts";
import { runsApi } from "../lib/runs.ts";
import { usePageTitle } from "../lib/title.ts";

/**
 * `/projects/:projectId/jobs`: the project's job definitions (scheduled notebooks).
 * `?new=1&notebook=<id>` opens the form for a new job of that notebook (the notebook page's "Schedule…").
 */
export function JobsPage() {
  const params = useParams<{ projectId: string }>();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const [project] = createResource(() => params.projectId, api.project);
  const [jobs, { mutate, refetch }] = createResource(() => params.projectId, runsApi.jobs);
  const [error, setError] = createSignal<string | null>(null);
  usePageTitle(() => "Jobs");
  const canEdit = () => !!project() && project()!.role !== "viewer";
  const creating = () => search.new === "1";
  const replace = (id: string, job: Job | null) =>
    mutate((list) =>
      job ? (list ?? []).map((x) => (x.id === id ? job : x)) : (list ?? []).filter((x) => x.id !== id),
    );

  return (
    <section class="content">
      <nav class="crumbs" aria-label="Breadcrumb">
        <A href="/">Projects</A>
        <span aria-hidden="true">/</span>
        <A href={`/projects/${params.projectId}`}>{project()?.name ?? "Project"}</A>
        <span aria-hidden="true">/</span>
      </nav>
      <div class="page-head">
        <h1>Jobs</h1>
        <A class="btn btn-ghost" href={`/projects/${params.projectId}/runs`}>
          Run history
        </A>
        <span class="spacer" />
        <Show when={canEdit() && !creating()}>
          <button type="button" class="btn btn-primary" onClick={() => setSearch({ new: "1" })}>
            New job
          </button>
        </Show>
      </div>
      <ErrorNote
        error={error() ?? (jobs.error ? messageOf(jobs.error) : project.error ? messageOf(project.error) : null)}
      />
      <Show when={creating() && canEdit()}>
        <JobForm
          projectId={params.projectId}
          notebookId={typeof search.notebook === "string" ? search.notebook : undefined}
          onSaved={(job) => {
            setSearch({ new: undefined, notebook: undefined });
            mutate((list) => [...(list ?? []), job].sort((a, b) => a.name.localeCompare(b.name)));
            void refetch();
            navigate(`/jobs/${job.id}`);
          }}
          onCancel={() => setSearch({ new: undefined, notebook: undefined })}
        />
      </Show>
      <Show when={jobs()} fallback={<p class="muted">Loading jobs…</p>}>
        <Show
          when={jobs()!.length}
          fallback={
            <p class="muted">
              No jobs yet. A job runs a notebook with parameters on a schedule (or when asked), each run recorded as an
              experiment.
            </p>
          }
        >
          <ul class="job-list" aria-label="Jobs">
            <For each={jobs()}>
              {(job) => (
                <JobRow
                  job={job}
                  canEdit={canEdit()}
                  onChange={(next) => {
                    setError(null);
                    replace(job.id, next);
                  }}
                />
              )}
            </For>
          </ul>
        </Show>
      </Show>
    </section>
  );
}
