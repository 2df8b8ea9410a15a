import { A, useNavigate, useParams } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { api } from "../lib/api.ts";
import { modelHref, modelsApi, versionHref } from "../lib/models.ts";
import { usePageTitle } from "../lib/title.ts";

const when = (ms: number) => new Date(ms).toLocaleString();

/** `/projects/:projectId/models`: the project's registered models, their latest version and aliases. */
export function ModelsPage() {
  const params = useParams<{ projectId: string }>();
  const navigate = useNavigate();
  const [project] = createResource(() => params.projectId, api.project);
  const [models] = createResource(() => params.projectId, modelsApi.list);
  const [name, setName] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  usePageTitle(() => "Models");
  const canEdit = () => project() && project()!.role !== "viewer";
  return (
    <section class="content">
      <nav class="crumbs" aria-label="Breadcrumb">
        <A href="/">Projects</A>
        <span aria-hidden="true">/</span>
        <A href={`/projects/${params.projectId}`}>{project()?.name ?? "Project"}</A>
        <span aria-hidden="true">/</span>
      </nav>
      <div class="page-head">
        <h1>Models</h1>
        <Show when={canEdit()}>
          <form
            class="inline-form"
            onSubmit={async (e) => {
              e.preventDefault();
              try {
                const created = await modelsApi.create(params.projectId, name().trim());
                navigate(modelHref(created.name));
              } catch (err) {
                setError(messageOf(err));
              }
            }}
          >
            <input
              class="input input-sm"
              aria-label="New model name"
              placeholder="New model name"
              value={name()}
              onInput={(e) => setName(e.currentTarget.value)}
            />
            <button type="submit" class="btn btn-sm" disabled={!name().trim()}>
              Create model
            </button>
          </form>
        </Show>
      </div>
      <ErrorNote error={error() ?? (models.error ? messageOf(models.error) : null)} />
      <Show when={models()} fallback={<p class="muted">Loading models…</p>}>
        <Show
          when={models()!.length}
          fallback={
            <p class="muted">
              No models yet. Log one with <code>mlflow.sklearn.log_model(…)</code> in a notebook, then register it from
              its run's page.
            </p>
          }
        >
          <table class="table" aria-label="Models">
            <thead>
              <tr>
                <th>Name</th>
                <th>Latest version</th>
                <th>Aliases</th>
                <th>Last updated</th>
              </tr>
            </thead>
            <tbody>
              <For each={models()}>
                {(m) => (
                  <tr>
                    <td>
                      <A href={modelHref(m.name)} class="row-title">
                        {m.name}
                      </A>
                    </td>
                    <td>
                      <Show when={m.latestVersion} fallback={<span class="muted">none</span>}>
                        <A href={versionHref(m.name, m.latestVersion!)}>Version {m.latestVersion}</A>
                      </Show>
                    </td>
                    <td>
                      <For each={Object.entries(m.aliases).sort(([a], [b]) => a.localeCompare(b))}>
                        {([alias, v]) => (
                          <span class="badge alias-badge">
                            {alias} → v{v}
                          </span>
                        )}
                      </For>
                    </td>
                    <td class="small muted">{when(m.lastUpdatedTime)}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </Show>
      </Show>
    </section>
  );
}
