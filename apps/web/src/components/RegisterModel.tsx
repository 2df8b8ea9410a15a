import { A } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import { api } from "../lib/api.ts";
import { type LoggedModelSummary, modelsApi, versionHref } from "../lib/models.ts";
import { trackingApi } from "../lib/tracking.ts";
import { ErrorNote, messageOf } from "./ErrorNote.tsx";

const statusText = (s: string) => s.replace(/^LOGGED_MODEL_/, "").toLowerCase();

/** A run's logged models, what was registered from each, and "Register model" for editors. */
export function RunLoggedModels(props: { runId: string; experimentId: string }) {
  const [logged, { refetch }] = createResource(() => props.runId, modelsApi.loggedModels);
  const [project] = createResource(
    () => props.experimentId,
    async (id) => api.project((await trackingApi.experiment(id)).projectId).catch(() => null),
  );
  const [models] = createResource(
    () => project()?.id,
    (id) => modelsApi.list(id).catch(() => []),
  );
  const canEdit = () => project() != null && project()!.role !== "viewer";
  return (
    <Show when={logged()} fallback={<p class="muted">Loading logged models…</p>}>
      <Show
        when={logged()!.length}
        fallback={
          <p class="muted">
            No models logged by this run. <code>mlflow.sklearn.log_model(model, name="model")</code> logs one.
          </p>
        }
      >
        <datalist id="registered-model-names">
          <For each={models() ?? []}>{(m) => <option value={m.name} />}</For>
        </datalist>
        <ul class="rows" aria-label="Logged models">
          <For each={logged()}>
            {(m) => (
              <LoggedModelRow
                model={m}
                canEdit={canEdit()}
                projectId={project()?.id ?? null}
                existing={(models() ?? []).map((x) => x.name)}
                onRegistered={refetch}
              />
            )}
          </For>
        </ul>
      </Show>
    </Show>
  );
}

function LoggedModelRow(props: {
  model: LoggedModelSummary;
  canEdit: boolean;
  projectId: string | null;
  existing: string[];
  onRegistered: () => void;
}) {
  const [name, setName] = createSignal(props.model.registrations[0]?.name ?? props.model.name);
  const [open, setOpen] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const register = async () => {
    setBusy(true);
    setError(null);
    try {
      const target = name().trim();
      // A new name becomes a registered model of the run's project first.
      if (!props.existing.includes(target) && props.projectId) await modelsApi.create(props.projectId, target);
      await modelsApi.register(target, props.model.id);
      setOpen(false);
      props.onRegistered();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class="row row-wrap">
      <span class="row-title">{props.model.name}</span>
      <span class="badge">{statusText(props.model.status)}</span>
      <Show when={props.model.modelType}>
        <span class="muted small">{props.model.modelType}</span>
      </Show>
      <For each={props.model.registrations}>
        {(r) => (
          <A class="small" href={versionHref(r.name, r.version)}>
            {r.name} v{r.version}
          </A>
        )}
      </For>
      <span class="spacer" />
      <Show when={props.canEdit}>
        <Show
          when={open()}
          fallback={
            <button type="button" class="btn btn-sm" onClick={() => setOpen(true)}>
              Register model
            </button>
          }
        >
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              register();
            }}
          >
            <input
              class="input input-sm"
              aria-label="Registered model name"
              list="registered-model-names"
              value={name()}
              onInput={(e) => setName(e.currentTarget.value)}
            />
            <button type="submit" class="btn btn-sm btn-primary" disabled={busy() || !name().trim()}>
              Register
            </button>
            <button type="button" class="btn btn-sm btn-ghost" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </form>
        </Show>
      </Show>
      <ErrorNote error={error()} />
    </li>
  );
}
