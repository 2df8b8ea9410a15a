import { A, useParams } from "@solidjs/router";
import { createResource, For, type JSX, Show } from "solid-js";
import { DeployButton } from "../components/DeployButton.tsx";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { KeyValues } from "../components/KeyValues.tsx";
import { envHref } from "../lib/environments.ts";
import { flavorsOf, type ModelLineage, modelFileUrl, modelHref, modelsApi, signatureOf } from "../lib/models.ts";
import { usePageTitle } from "../lib/title.ts";
import { formatMetric } from "../lib/tracking.ts";

const when = (ms: number) => new Date(ms).toLocaleString();
const short = (s: string, n = 12) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** `/models/:name/versions/:version`: the lineage chain, the signature and input example, the model's files. */
export function ModelVersionPage() {
  const params = useParams<{ name: string; version: string }>();
  const name = () => decodeURIComponent(params.name);
  const [lineage] = createResource(
    () => [name(), Number(params.version)] as const,
    async ([n, v]) => modelsApi.lineage((await modelsApi.version(n, v)).id),
  );
  usePageTitle(() => `${name()} v${params.version}`);
  return (
    <section class="content">
      <nav class="crumbs" aria-label="Breadcrumb">
        <A href="/">Projects</A>
        <span aria-hidden="true">/</span>
        <A href={modelHref(name())}>{name()}</A>
        <span aria-hidden="true">/</span>
      </nav>
      <ErrorNote error={lineage.error ? messageOf(lineage.error) : null} />
      <Show when={lineage()} fallback={lineage.error ? null : <p class="muted">Loading version…</p>}>
        {(l) => (
          <>
            <div class="page-head">
              <h1>
                {l().version.name} · Version {l().version.version}
              </h1>
              <For each={l().version.aliases}>{(a) => <span class="badge alias-badge">@{a}</span>}</For>
              {/* Actions on this version (the deployments issue adds "Deploy" here). */}
              <div class="version-actions" data-slot="version-actions">
                <DeployButton model={l().version.name} version={l().version.version} />
              </div>
            </div>
            <p class="muted small">
              Registered {when(l().version.creationTime)} · source <code>{l().version.source}</code>
            </p>
            <div class="panel">
              <h2>Lineage</h2>
              <LineageChain lineage={l()} />
            </div>
            <div class="columns">
              <div class="panel">
                <h2>Signature</h2>
                <Signature mlmodel={l().loggedModel?.mlmodel ?? null} />
              </div>
              <div class="panel">
                <h2>Input example</h2>
                <Show when={l().loggedModel?.inputExample} fallback={<p class="muted">None logged.</p>}>
                  <pre class="mono input-example">{l().loggedModel!.inputExample}</pre>
                </Show>
              </div>
            </div>
            <Show when={l().run}>
              {(run) => (
                <div class="panel">
                  <h2>Metrics of the run</h2>
                  <KeyValues
                    label="Run metrics"
                    values={Object.fromEntries(Object.entries(run().metrics).map(([k, v]) => [k, formatMetric(v)]))}
                  />
                </div>
              )}
            </Show>
            <div class="panel">
              <h2>Artifacts</h2>
              <Show
                when={l().loggedModel?.artifacts.length}
                fallback={<p class="muted">No files (the version points at {l().version.source}).</p>}
              >
                <ul class="rows" aria-label="Model artifacts">
                  <For each={l().loggedModel!.artifacts}>
                    {(f) => (
                      <li class="row">
                        <span class="mono">{f.path}</span>
                        <span class="muted small">{f.size} B</span>
                        <span class="spacer" />
                        <a
                          class="btn btn-sm"
                          href={modelFileUrl(l().loggedModel!.experimentId, l().loggedModel!.id, f.path)}
                          download=""
                        >
                          Download
                        </a>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            </div>
          </>
        )}
      </Show>
    </section>
  );
}

/** Notebook at its revision → environment → data → run → logged model → this version, each a link where it has a page. */
function LineageChain(props: { lineage: ModelLineage }) {
  const l = () => props.lineage;
  const step = (label: string, body: JSX.Element) => (
    <li class="lineage-step">
      <span class="lineage-label">{label}</span>
      <span class="lineage-body">{body}</span>
    </li>
  );
  return (
    <ol class="lineage" aria-label="Lineage">
      <Show when={l().notebook}>
        {(nb) =>
          step(
            "Notebook",
            <>
              <A href={`/notebooks/${nb().id}`}>{nb().name}</A>
              <Show when={nb().revision}>
                <span class="muted small"> at revision {short(nb().revision!, 8)}</span>
              </Show>
            </>,
          )
        }
      </Show>
      <Show when={l().environment}>
        {(env) =>
          step(
            "Environment",
            <>
              <Show when={env().name} fallback={<span>unnamed</span>}>
                <Show when={/^[0-9a-f-]{36}$/i.test(env().id)} fallback={<span>{env().name}</span>}>
                  <A href={envHref(env().id)}>{env().name}</A>
                </Show>
              </Show>
              <Show when={env().lockHash}>
                <span class="muted small mono"> lock {short(env().lockHash!, 19)}</span>
              </Show>
              <Show when={/^[0-9a-f-]{36}$/i.test(env().id)}>
                {" "}
                <a class="small" href={`/api/environments/${env().id}/requirements.txt`}>
                  requirements.txt
                </a>
              </Show>
              <Show when={l().gpus.length}>
                <span class="muted small"> · GPUs {l().gpus.join(", ")}</span>
              </Show>
            </>,
          )
        }
      </Show>
      <Show when={l().datasets.length}>
        {step(
          "Data",
          <For each={l().datasets}>
            {(d) => (
              <span class="dataset">
                {d.name} <span class="muted small mono">{short(d.digest, 10)}</span>
              </span>
            )}
          </For>,
        )}
      </Show>
      <Show when={l().run}>
        {(run) =>
          step(
            "Run",
            <>
              <A href={`/experiment-runs/${run().id}`}>{run().name || run().id}</A>
              <span class="muted small">
                {" "}
                in <A href={`/experiments/${run().experimentId}`}>{run().experimentName}</A> · {run().status} · by{" "}
                {run().userName || "—"}
              </span>
            </>,
          )
        }
      </Show>
      <Show when={l().loggedModel}>
        {(lm) =>
          step(
            "Logged model",
            <>
              <span>{lm().name}</span>
              <span class="muted small mono"> {lm().id}</span>
              <Show when={flavorsOf(lm().mlmodel).length}>
                <span class="muted small"> · {flavorsOf(lm().mlmodel).join(", ")}</span>
              </Show>
            </>,
          )
        }
      </Show>
      {step(
        "Version",
        <span>
          {l().version.name} v{l().version.version}
        </span>,
      )}
    </ol>
  );
}

function Signature(props: { mlmodel: string | null }) {
  const sig = () => signatureOf(props.mlmodel);
  return (
    <Show when={sig()} fallback={<p class="muted">No signature logged.</p>}>
      <table class="kv-table" aria-label="Signature">
        <tbody>
          <tr>
            <th scope="row">Inputs</th>
            <td class="mono">{sig()!.inputs.join(", ") || "—"}</td>
          </tr>
          <tr>
            <th scope="row">Outputs</th>
            <td class="mono">{sig()!.outputs.join(", ") || "—"}</td>
          </tr>
        </tbody>
      </table>
    </Show>
  );
}
