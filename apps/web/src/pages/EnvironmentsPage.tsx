import { A, useNavigate } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { type Environment, envHref, envsApi, formatBytes, requirementsFrom } from "../lib/environments.ts";
import { usePageTitle } from "../lib/title.ts";

/** `/environments`: every environment version on the server, and a form that creates one (its build log shows next). */
export function EnvironmentsPage() {
  const navigate = useNavigate();
  const [envs] = createResource(envsApi.list);
  const [name, setName] = createSignal("");
  const [python, setPython] = createSignal("3");
  const [requirements, setRequirements] = createSignal("");
  const [gpus, setGpus] = createSignal(0);
  const [cuda, setCuda] = createSignal("");
  const [findLinks, setFindLinks] = createSignal("");
  const [extraIndex, setExtraIndex] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  usePageTitle(() => "Environments");

  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await envsApi.create({
        name: name().trim(),
        python: python().trim() || "3",
        requirements: requirementsFrom(requirements()),
        indexes: {
          extra: requirementsFrom(extraIndex()),
          findLinks: requirementsFrom(findLinks()),
          noIndex: false,
        },
        ...(gpus() > 0 ? { gpu: { count: gpus(), ...(cuda().trim() ? { cuda: cuda().trim() } : {}) } } : {}),
      });
      navigate(envHref(created.id));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="content">
      <div class="page-head">
        <h1>Environments</h1>
      </div>
      <p class="muted">
        Pinned Python environments for kernels: each version is a lock with hashes, built once and shared. A notebook
        picks one in its kernel badge; <code>%pip install</code> in a notebook makes the next version.
      </p>
      <ErrorNote error={error() ?? (envs.error ? messageOf(envs.error) : null)} />
      <Show when={envs()} fallback={<p class="muted">Loading environments…</p>}>
        <Show when={envs()!.length} fallback={<p class="muted">No environments yet: create the first below.</p>}>
          <table class="table" aria-label="Environments">
            <thead>
              <tr>
                <th>Name</th>
                <th>Version</th>
                <th>Status</th>
                <th>Python</th>
                <th>Packages</th>
                <th>GPUs</th>
                <th>Size</th>
              </tr>
            </thead>
            <tbody>
              <For each={envs()}>
                {(env: Environment) => (
                  <tr>
                    <td>
                      <A href={envHref(env.id)} class="row-title">
                        {env.name}
                      </A>
                    </td>
                    <td>v{env.version}</td>
                    <td>
                      <span class={`badge env-status env-${env.status}`}>{env.status}</span>
                    </td>
                    <td>{env.python ?? env.spec.python}</td>
                    <td>{env.packages?.length ?? "—"}</td>
                    <td>
                      {env.spec.gpu?.count
                        ? `${env.spec.gpu.count}${env.spec.gpu.cuda ? ` (CUDA ${env.spec.gpu.cuda})` : ""}`
                        : "—"}
                    </td>
                    <td class="small muted">{formatBytes(env.sizeBytes)}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </Show>
      </Show>

      <h2>New environment</h2>
      <form class="stack env-form" onSubmit={create} aria-label="New environment">
        <label>
          Name
          <input
            class="input"
            value={name()}
            placeholder="Data science"
            onInput={(e) => setName(e.currentTarget.value)}
            required
          />
        </label>
        <label>
          Python
          <input class="input input-sm" value={python()} onInput={(e) => setPython(e.currentTarget.value)} />
        </label>
        <label>
          Requirements (one per line, as in requirements.txt)
          <textarea
            class="input mono"
            rows={6}
            value={requirements()}
            placeholder={"numpy\npandas>=2\nscikit-learn"}
            onInput={(e) => setRequirements(e.currentTarget.value)}
          />
        </label>
        <label>
          Extra index URLs (one per line, e.g. https://download.pytorch.org/whl/cu124)
          <textarea
            class="input mono"
            rows={1}
            value={extraIndex()}
            onInput={(e) => setExtraIndex(e.currentTarget.value)}
          />
        </label>
        <label>
          Find-links pages (one URL per line: pages listing wheels)
          <textarea
            class="input mono"
            rows={1}
            value={findLinks()}
            onInput={(e) => setFindLinks(e.currentTarget.value)}
          />
        </label>
        <div class="row">
          <label>
            GPUs
            <input
              class="input input-sm"
              type="number"
              min="0"
              max="64"
              value={gpus()}
              onInput={(e) => setGpus(Number(e.currentTarget.value) || 0)}
            />
          </label>
          <Show when={gpus() > 0}>
            <label>
              CUDA
              <input
                class="input input-sm"
                value={cuda()}
                placeholder="12.4"
                onInput={(e) => setCuda(e.currentTarget.value)}
              />
            </label>
          </Show>
        </div>
        <div>
          <button type="submit" class="btn" disabled={busy() || !name().trim()}>
            Create and build
          </button>
        </div>
      </form>
    </section>
  );
}
