import { A, useParams, useSearchParams } from "@solidjs/router";
import { createResource, Show } from "solid-js";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { RunHistory } from "../components/RunHistory.tsx";
import { api } from "../lib/api.ts";
import { runsApi } from "../lib/runs.ts";
import { usePageTitle } from "../lib/title.ts";

/** `/projects/:projectId/runs`: every notebook run of the project, live (`?notebookId=`, `?jobId=` narrow it). */
export function RunsPage() {
  const params = useParams<{ projectId: string }>();
  const [search] = useSearchParams();
  const [project] = createResource(() => params.projectId, api.project);
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
