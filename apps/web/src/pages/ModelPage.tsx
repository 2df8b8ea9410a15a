import { A, useParams } from "@solidjs/router";
import { createMemo, createResource, createSignal, For, Show } from "solid-js";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { api } from "../lib/api.ts";
import { type ModelDetail, metricKeys, modelsApi, versionHref } from "../lib/models.ts";
import { usePageTitle } from "../lib/title.ts";
import { formatMetric } from "../lib/tracking.ts";

const when = (ms: number) => new Date(ms).toLocaleString();

/** `/models/:name`: versions with aliases and their runs' metrics side by side, alias history, moving an alias. */
export function ModelPage() {
  const params = useParams<{ name: string }>();
  const name = () => decodeURIComponent(params.name);
  const [model, { refetch }] = createResource(name, modelsApi.get);
  const [project] = createResource(
    () => model()?.projectId,
    (id) => api.project(id).catch(() => null),
  );
  const [history, { refetch: refetchHistory }] = createResource(name, modelsApi.history);
  const [error, setError] = createSignal<string | null>(null);
  usePageTitle(() => model()?.name);
  const metrics = createMemo(() => metricKeys(model()?.versions ?? []));
  const canEdit = () => project() != null && project()!.role !== "viewer";
  const changed = () => {
    setError(null);
    refetch();
    refetchHistory();
  };

  return (
    <section class="content">
      <nav class="crumbs" aria-label="Breadcrumb">
        <A href="/">Projects</A>
        <span aria-hidden="true">/</span>
        <Show when={model()}>
          <A href={`/projects/${model()!.projectId}`}>{project()?.name ?? "Project"}</A>
          <span aria-hidden="true">/</span>
          <A href={`/projects/${model()!.projectId}/models`}>Models</A>
          <span aria-hidden="true">/</span>
        </Show>
      </nav>
      <ErrorNote error={error() ?? (model.error ? messageOf(model.error) : null)} />
      <Show when={model()} fallback={model.error ? null : <p class="muted">Loading model…</p>}>
        {(m) => (
          <>
            <div class="page-head">
              <h1>{m().name}</h1>
              <For each={Object.entries(m().aliases).sort(([a], [b]) => a.localeCompare(b))}>
                {([alias, v]) => (
                  <span class="badge alias-badge">
                    @{alias} → v{v}
                  </span>
                )}
              </For>
            </div>
            <Show when={m().description}>
              <p>{m().description}</p>
            </Show>
            <div class="panel table-wrap">
              <h2>Versions</h2>
              <Show when={m().versions.length} fallback={<p class="muted">No versions yet.</p>}>
                <table class="runs-table" aria-label="Versions">
                  <thead>
                    <tr>
                      <th>Version</th>
                      <th>Aliases</th>
                      <th>Run</th>
                      <For each={metrics()}>{(k) => <th>{k}</th>}</For>
                      <th>Registered</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={m().versions}>
                      {(v) => (
                        <tr>
                          <td>
                            <A href={versionHref(m().name, v.version)}>Version {v.version}</A>
                          </td>
                          <td>
                            <For each={v.aliases}>{(a) => <span class="badge alias-badge">@{a}</span>}</For>
                          </td>
                          <td>
                            <Show when={v.runId} fallback={<span class="muted">—</span>}>
                              <A href={`/experiment-runs/${v.runId}`} class="mono small">
                                {v.runId!.slice(0, 8)}
                              </A>
                            </Show>
                          </td>
                          <For each={metrics()}>{(k) => <td class="mono">{formatMetric(v.metrics[k]) || "—"}</td>}</For>
                          <td class="small muted">{when(v.creationTime)}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </Show>
            </div>
            <Show when={canEdit() && m().versions.length}>
              <MoveAlias model={m()} onDone={changed} onError={setError} />
            </Show>
            <div class="panel">
              <h2>Alias history</h2>
              <Show when={history()?.events.length} fallback={<p class="muted">No alias has been set yet.</p>}>
                <table class="table" aria-label="Alias history">
                  <thead>
                    <tr>
                      <th>When</th>
                      <th>Alias</th>
                      <th>From</th>
                      <th>To</th>
                      <th>By</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={[...(history()?.events ?? [])].reverse()}>
                      {(e) => (
                        <tr>
                          <td class="small">{when(e.at)}</td>
                          <td>@{e.alias}</td>
                          <td>{e.fromVersion === null ? "—" : `v${e.fromVersion}`}</td>
                          <td>{e.toVersion === null ? "removed" : `v${e.toVersion}`}</td>
                          <td class="small">{e.userEmail ?? "—"}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </Show>
            </div>
          </>
        )}
      </Show>
    </section>
  );
}

/** Points an alias (new or existing) at a version; every move lands in the alias history. */
function MoveAlias(props: { model: ModelDetail; onDone: () => void; onError: (m: string) => void }) {
  const [alias, setAlias] = createSignal(Object.keys(props.model.aliases)[0] ?? "production");
  const [version, setVersion] = createSignal(props.model.versions[0]!.version);
  const [busy, setBusy] = createSignal(false);
  const run = async (f: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await f();
      props.onDone();
    } catch (err) {
      props.onError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="panel">
      <h2>Move an alias</h2>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          run(() => modelsApi.setAlias(props.model.name, alias().trim(), version()));
        }}
      >
        <label class="small muted" for="alias-name">
          Alias
        </label>
        <input
          id="alias-name"
          class="input input-sm"
          list="alias-names"
          value={alias()}
          onInput={(e) => setAlias(e.currentTarget.value)}
        />
        <datalist id="alias-names">
          <For each={Object.keys(props.model.aliases)}>{(a) => <option value={a} />}</For>
        </datalist>
        <label class="small muted" for="alias-version">
          Version
        </label>
        <select id="alias-version" class="input input-sm" onChange={(e) => setVersion(Number(e.currentTarget.value))}>
          <For each={props.model.versions}>
            {(v) => (
              <option value={v.version} selected={v.version === version()}>
                Version {v.version}
              </option>
            )}
          </For>
        </select>
        <button type="submit" class="btn btn-sm btn-primary" disabled={busy() || !alias().trim()}>
          Set alias
        </button>
        <Show when={props.model.aliases[alias().trim()] !== undefined}>
          <button
            type="button"
            class="btn btn-sm btn-ghost btn-danger"
            disabled={busy()}
            onClick={() => run(() => modelsApi.deleteAlias(props.model.name, alias().trim()))}
          >
            Remove @{alias().trim()}
          </button>
        </Show>
      </form>
    </div>
  );
}
