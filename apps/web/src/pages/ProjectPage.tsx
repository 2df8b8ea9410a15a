import { A, useNavigate, useParams } from "@solidjs/router";
import { createResource, createSignal, Show } from "solid-js";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { InlineRename } from "../components/InlineRename.tsx";
import { MembersPanel } from "../components/MembersPanel.tsx";
import { NotebooksPanel } from "../components/NotebooksPanel.tsx";
import { api } from "../lib/api.ts";
import { usePageTitle } from "../lib/title.ts";

export function ProjectPage() {
  const params = useParams<{ projectId: string }>();
  const navigate = useNavigate();
  const [project, { mutate }] = createResource(
    () => params.projectId,
    (id) => api.project(id),
  );
  const [error, setError] = createSignal<string | null>(null);
  usePageTitle(() => project()?.name);

  return (
    <section class="content">
      <nav class="crumbs" aria-label="Breadcrumb">
        <A href="/">Projects</A>
        <span aria-hidden="true">/</span>
      </nav>
      <ErrorNote error={error() ?? (project.error ? messageOf(project.error) : null)} />
      <Show when={project()}>
        {(p) => (
          <>
            <div class="page-head">
              <h1>
                <InlineRename
                  value={p().name}
                  label="project"
                  canEdit={p().role !== "viewer"}
                  onSave={async (name) => {
                    try {
                      mutate(await api.renameProject(p().id, name));
                    } catch (err) {
                      setError(messageOf(err));
                    }
                  }}
                />
              </h1>
              <span class={`badge badge-${p().role}`}>{p().role}</span>
              <A class="btn" href={`/projects/${p().id}/experiments`}>
                Experiments
              </A>
              <A class="btn" href={`/projects/${p().id}/models`}>
                Models
              </A>
              <A class="btn" href={`/projects/${p().id}/jobs`}>
                Jobs
              </A>
              <A class="btn" href={`/projects/${p().id}/runs`}>
                Runs
              </A>
              <span class="spacer" />
              <Show when={p().role === "owner"}>
                <ConfirmButton
                  label="Delete project"
                  confirmLabel="Delete it and all its notebooks"
                  onConfirm={async () => {
                    try {
                      await api.deleteProject(p().id);
                      navigate("/", { replace: true });
                    } catch (err) {
                      setError(messageOf(err));
                    }
                  }}
                />
              </Show>
            </div>
            <div class="columns">
              <NotebooksPanel project={p()} />
              <MembersPanel project={p()} />
            </div>
          </>
        )}
      </Show>
    </section>
  );
}
