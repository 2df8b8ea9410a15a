import { A } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { api } from "../lib/api.ts";
import { usePageTitle } from "../lib/title.ts";

export function ProjectsPage() {
  usePageTitle(() => "Projects");
  const [projects, { refetch }] = createResource(() => api.projects());
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  const create = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const name = String(new FormData(form).get("name") ?? "").trim();
    if (!name) return;
    setBusy(true);
    setError(null);
    try {
      await api.createProject(name);
      form.reset();
      await refetch();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="content" aria-labelledby="projects-title">
      <div class="page-head">
        <h1 id="projects-title">Projects</h1>
        <form class="inline-form" onSubmit={create}>
          <label class="sr-only" for="new-project">
            New project name
          </label>
          <input id="new-project" class="input" name="name" placeholder="New project name" required maxLength={200} />
          <button class="btn btn-primary" type="submit" disabled={busy()}>
            Create project
          </button>
        </form>
      </div>
      <ErrorNote error={error() ?? (projects.error ? messageOf(projects.error) : null)} />
      <Show when={projects()} fallback={<p class="muted">Loading projects…</p>}>
        <Show
          when={projects()!.length}
          fallback={<p class="empty muted">No projects yet. Create one to start a notebook.</p>}
        >
          <ul class="card-list" aria-label="Your projects">
            <For each={projects()}>
              {(p) => (
                <li class="card">
                  <A href={`/projects/${p.id}`} class="card-title">
                    {p.name}
                  </A>
                  <span class={`badge badge-${p.role}`}>{p.role}</span>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
    </section>
  );
}
