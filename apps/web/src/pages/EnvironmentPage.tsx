import { A, useNavigate, useParams } from "@solidjs/router";
import { createEffect, createMemo, createResource, createSignal, For, onCleanup, Show } from "solid-js";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { type Environment, envHref, envsApi, followLog, formatBytes, lockDiff } from "../lib/environments.ts";
import { usePageTitle } from "../lib/title.ts";

const building = (e?: Environment) => !!e && ["queued", "resolving", "building"].includes(e.status);

/** `/environments/:id`: one version — spec, status with the live build log, packages, the lock diff against another version, export, delete. */
export function EnvironmentPage() {
  const params = useParams<{ id: string }>();
  const navigate = useNavigate();
  const [env, { refetch }] = createResource(() => params.id, envsApi.get);
  const [all] = createResource(() => params.id, envsApi.list);
  const [log, setLog] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  const [against, setAgainst] = createSignal<string>("");
  usePageTitle(() => (env() ? `${env()!.name} v${env()!.version}` : "Environment"));

  // The log streams while the build runs; when it ends the page shows the result.
  createEffect(() => {
    const id = params.id;
    const ctl = new AbortController();
    onCleanup(() => ctl.abort());
    setLog("");
    followLog(id, setLog, ctl.signal)
      .then(() => refetch())
      .catch((err) => {
        if (!ctl.signal.aborted) setError(messageOf(err));
      });
  });

  const versions = createMemo(() => (all() ?? []).filter((e) => e.name === env()?.name && e.id !== env()?.id));
  // By default, compare with the version before this one.
  createEffect(() => {
    const e = env();
    if (!e || against()) return;
    const prev = versions()
      .filter((v) => v.version < e.version)
      .sort((a, b) => b.version - a.version)[0];
    if (prev) setAgainst(prev.id);
  });
  const diff = createMemo(() => {
    const other = versions().find((v) => v.id === against());
    const e = env();
    return other && e?.packages && other.packages ? lockDiff(other.packages, e.packages) : null;
  });

  return (
    <section class="content">
      <nav class="crumbs" aria-label="Breadcrumb">
        <A href="/environments">Environments</A>
        <span aria-hidden="true">/</span>
      </nav>
      <ErrorNote error={error() ?? (env.error ? messageOf(env.error) : null)} />
      <Show when={env()}>
        {(e) => (
          <>
            <div class="page-head">
              <h1>
                {e().name} <span class="muted">v{e().version}</span>
              </h1>
              <span class={`badge env-status env-${e().status}`} role="status" aria-label="Build status">
                {e().status}
              </span>
              <Show when={e().packages}>
                <a
                  class="btn btn-sm"
                  href={envsApi.requirementsHref(e().id)}
                  download={`${e().name}-v${e().version}.txt`}
                >
                  Export requirements.txt
                </a>
              </Show>
              <Show when={e().status === "failed"}>
                <button
                  type="button"
                  class="btn btn-sm"
                  onClick={async () => {
                    try {
                      await envsApi.rebuild(e().id);
                      refetch();
                      navigate(envHref(e().id), { replace: true });
                    } catch (err) {
                      setError(messageOf(err));
                    }
                  }}
                >
                  Rebuild
                </button>
              </Show>
              <ConfirmButton
                label="Delete"
                ariaLabel="Delete environment"
                onConfirm={async () => {
                  try {
                    await envsApi.remove(e().id);
                    navigate("/environments");
                  } catch (err) {
                    setError(messageOf(err));
                  }
                }}
              />
            </div>
            <dl class="env-facts">
              <dt>Python</dt>
              <dd>{e().python ? `${e().python} on ${e().platform}` : `${e().spec.python} (not resolved yet)`}</dd>
              <dt>Requirements</dt>
              <dd class="mono">{e().spec.requirements.join(", ") || "—"}</dd>
              <dt>GPUs</dt>
              <dd>
                {e().spec.gpu?.count
                  ? `${e().spec.gpu!.count}${e().spec.gpu!.cuda ? `, CUDA ${e().spec.gpu!.cuda}` : ""}`
                  : "none"}
              </dd>
              <dt>Identity</dt>
              <dd class="mono small">{e().identity ?? "—"}</dd>
              <dt>Size</dt>
              <dd>{formatBytes(e().sizeBytes)}</dd>
              <dt>Kernelspec</dt>
              <dd class="mono small">{e().kernelspec}</dd>
            </dl>
            <Show when={e().error}>
              <p class="notice notice-error" role="alert">
                {e().error}
              </p>
            </Show>

            <h2>Build log</h2>
            <pre class="build-log" role="log" aria-label="Build log">
              {log() || (building(e()) ? "Waiting for the build…" : "No log.")}
            </pre>

            <Show when={versions().length}>
              <h2>Changes</h2>
              <label>
                Compared with{" "}
                <select class="input input-sm" value={against()} onChange={(ev) => setAgainst(ev.currentTarget.value)}>
                  <For each={versions()}>{(v) => <option value={v.id}>v{v.version}</option>}</For>
                </select>
              </label>
              <Show when={diff()} fallback={<p class="muted">That version has no lock to compare with.</p>}>
                <Show when={diff()!.length} fallback={<p class="muted">The same packages.</p>}>
                  <table class="table" aria-label="Lock diff">
                    <thead>
                      <tr>
                        <th>Package</th>
                        <th>Change</th>
                        <th>From</th>
                        <th>To</th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={diff()!}>
                        {(row) => (
                          <tr class={`diff-${row.change}`}>
                            <td class="mono">{row.name}</td>
                            <td>{row.change}</td>
                            <td class="mono">{row.before ?? "—"}</td>
                            <td class="mono">{row.after ?? "—"}</td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </Show>
              </Show>
            </Show>

            <Show when={e().packages}>
              <h2>Packages ({e().packages!.length})</h2>
              <table class="table" aria-label="Packages">
                <thead>
                  <tr>
                    <th>Package</th>
                    <th>Version</th>
                    <th>Index</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={e().packages!}>
                    {(p) => (
                      <tr>
                        <td class="mono">{p.name}</td>
                        <td class="mono">{p.version}</td>
                        <td class="small muted">{p.index ?? ""}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}
