import { A, useParams, useSearchParams } from "@solidjs/router";
import { createResource, For, Show } from "solid-js";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { RunHistory } from "../components/RunHistory.tsx";
import { api } from "../lib/api.ts";
import { runsApi } from "../lib/runs.ts";
import { usePageTitle } from "../lib/title.ts";

/** `/projects/:projectId/runs`: every notebook run of the project, live (`?notebookId=`, `?jobId=` narrow it). */
export function RunsPage() {
  const params = useParams<{ projectId: string }>();
  const [search, setSearch] = useSearchParams();
  const [project] = createResource(() => params.projectId, api.project);
  const [notebooks] = createResource(() => params.projectId, api.notebooks);
  const [jobs] = createResource(
    () => params.projectId,
    (id) => runsApi.jobs(id).catch(() => []),
  );
  usePageTitle(() => "Runs");
  const filter = () => ({
    notebookId: typeof search.notebookId === "string" ? search.notebookId : undefined,
    jobId: typeof search.jobId === "string" ? search.jobId : undefined,
  });
  return (
    <section class="content">
      <nav class="crumbs" aria-label="Breadcrumb">
        <A href="/">Projects</A>
        <span aria-hidden="true">/</span>
        <A href={`/projects/${params.projectId}`}>{project()?.name ?? "Project"}</A>
        <span aria-hidden="true">/</span>
      </nav>
      <div class="page-head">
        <h1>Runs</h1>
        <A class="btn btn-ghost" href={`/projects/${params.projectId}/jobs`}>
          Jobs
        </A>
        <Show when={filter().notebookId || filter().jobId}>
          <A class="btn btn-ghost" href={`/projects/${params.projectId}/runs`}>
            Show all runs
          </A>
        </Show>
      </div>
      <ErrorNote error={project.error ? messageOf(project.error) : null} />
      <div class="panel">
        <div class="inline-form run-filters">
          <label for="runs-notebook" class="small muted">
            Notebook
          </label>
          <select
            id="runs-notebook"
            class="input input-sm"
            onChange={(e) => setSearch({ notebookId: e.currentTarget.value || undefined })}
          >
            <option value="">All notebooks</option>
            <For each={notebooks() ?? []}>
              {(nb) => (
                <option value={nb.id} selected={nb.id === filter().notebookId}>
                  {nb.name}
                </option>
              )}
            </For>
          </select>
          <label for="runs-job" class="small muted">
            Job
          </label>
          <select
            id="runs-job"
            class="input input-sm"
            onChange={(e) => setSearch({ jobId: e.currentTarget.value || undefined })}
          >
            <option value="">All jobs</option>
            <For each={jobs() ?? []}>
              {(j) => (
                <option value={j.id} selected={j.id === filter().jobId}>
                  {j.name}
                </option>
              )}
            </For>
          </select>
        </div>
        <RunHistory
          source={`${params.projectId}|${filter().notebookId ?? ""}|${filter().jobId ?? ""}`}
          label="Runs"
          showNotebook
          showJob
          load={(q) => runsApi.projectRuns(params.projectId, { ...q, ...filter() })}
          empty="No runs yet. Run a notebook with “Run…” on its page, or create a job."
        />
      </div>
    </section>
  );
}
