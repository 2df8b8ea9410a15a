import { A, useNavigate, useParams, useSearchParams } from "@solidjs/router";
import type { RunSummary } from "@tandem/protocol";
import { createMemo, createResource, createSignal, For, Show } from "solid-js";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { KeyValues } from "../components/KeyValues.tsx";
import { MetricChart } from "../components/MetricChart.tsx";
import { RunLoggedModels } from "../components/RegisterModel.tsx";
import { ApiError, api } from "../lib/api.ts";
import { envHref, envsApi } from "../lib/environments.ts";
import { usePageTitle } from "../lib/title.ts";
import {
  type ArtifactEntry,
  artifactUrl,
  buildSeries,
  compareParams,
  deriveColumns,
  formatMetric,
  nextSort,
  orderByClause,
  parseNotebook,
  type Sort,
  trackingApi,
} from "../lib/tracking.ts";

const when = (ms: number) => new Date(ms).toLocaleString();
/** A project's name for breadcrumbs (null when it cannot be read). */
const projectName = (id: string) =>
  api.project(id).then(
    (p) => p.name,
    () => null,
  );

export function ExperimentsListPage() {
  const params = useParams<{ projectId: string }>();
  const [list] = createResource(() => params.projectId, trackingApi.experiments);
  const [project] = createResource(() => params.projectId, projectName);
  usePageTitle(() => "Experiments");
  return (
    <section class="content">
      <nav class="crumbs" aria-label="Breadcrumb">
        <A href="/">Projects</A>
        <span aria-hidden="true">/</span>
        <A href={`/projects/${params.projectId}`}>{project() ?? "Project"}</A>
        <span aria-hidden="true">/</span>
      </nav>
      <div class="page-head">
        <h1>Experiments</h1>
      </div>
      <ErrorNote error={list.error ? messageOf(list.error) : null} />
      <Show when={list()} fallback={<p class="muted">Loading experiments…</p>}>
        <Show
          when={list()!.length}
          fallback={<p class="muted">No experiments yet. Log runs with MLflow from a notebook.</p>}
        >
          <ul class="rows" aria-label="Experiments">
            <For each={list()}>
              {(e) => (
                <li class="row">
                  <A href={`/experiments/${e.id}`} class="row-title">
                    {e.name}
                  </A>
                  <span class="muted small">updated {when(e.lastUpdateTime)}</span>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
    </section>
  );
}

export function ExperimentPage() {
  const params = useParams<{ experimentId: string }>();
  const navigate = useNavigate();
  const [exp] = createResource(() => params.experimentId, trackingApi.experiment);
  const [project] = createResource(() => exp()?.projectId, projectName);
  usePageTitle(() => exp()?.name);
  const [sort, setSort] = createSignal<Sort | null>(null);
  const [filterDraft, setFilterDraft] = createSignal("");
  const [filter, setFilter] = createSignal("");
  const [runs, setRuns] = createSignal<RunSummary[]>([]);
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [filterError, setFilterError] = createSignal<string | null>(null);
  const [selected, setSelected] = createSignal<string[]>([]);

  let generation = 0;
  const load = async (append: boolean) => {
    const gen = ++generation;
    setLoading(true);
    try {
      const page = await trackingApi.runs(params.experimentId, {
        orderBy: orderByClause(sort()),
        filter: filter(),
        cursor: append ? (cursor() ?? undefined) : undefined,
      });
      if (gen !== generation) return;
      setRuns(append ? [...runs(), ...page.runs] : page.runs);
      setCursor(page.nextCursor);
      setFilterError(null);
      setError(null);
    } catch (err) {
      if (gen !== generation) return;
      if (err instanceof ApiError && err.status === 400) setFilterError(err.message);
      else setError(messageOf(err));
    } finally {
      if (gen === generation) setLoading(false);
    }
  };
  createResource(
    () => [params.experimentId, sort(), filter()] as const,
    () => load(false),
  );

  const cols = createMemo(() => deriveColumns(runs()));
  const toggle = (id: string) =>
    setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : s.length >= 10 ? s : [...s, id]));
  const header = (key: string, label: string) => {
    const s = () => (sort()?.key === key ? sort()!.dir : null);
    return (
      <th aria-sort={s() === "ASC" ? "ascending" : s() === "DESC" ? "descending" : "none"}>
        <button type="button" class="th-sort" onClick={() => setSort(nextSort(sort(), key))}>
          {label}
          <span aria-hidden="true">{s() === "ASC" ? " ▲" : s() === "DESC" ? " ▼" : ""}</span>
        </button>
      </th>
    );
  };

  return (
    <section class="content">
      <nav class="crumbs" aria-label="Breadcrumb">
        <A href="/">Projects</A>
        <span aria-hidden="true">/</span>
        <Show when={exp()}>
          <A href={`/projects/${exp()!.projectId}`}>{project() ?? "Project"}</A>
          <span aria-hidden="true">/</span>
          <A href={`/projects/${exp()!.projectId}/experiments`}>Experiments</A>
          <span aria-hidden="true">/</span>
        </Show>
      </nav>
      <div class="page-head">
        <h1>{exp()?.name ?? "Experiment"}</h1>
        <span class="spacer" />
        <button
          type="button"
          class="btn btn-primary"
          disabled={selected().length < 2}
          onClick={() => navigate(`/experiments/${params.experimentId}/compare?runs=${selected().join(",")}`)}
        >
          Compare {selected().length ? `(${selected().length})` : ""}
        </button>
      </div>
      <ErrorNote error={error() ?? (exp.error ? messageOf(exp.error) : null)} />
      <form
        class="inline-form filter-form"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(filterDraft());
        }}
      >
        <label for="run-filter">Filter</label>
        <input
          id="run-filter"
          class="input mono"
          placeholder="metrics.loss < 0.5 and params.lr = '0.1'"
          value={filterDraft()}
          onInput={(e) => setFilterDraft(e.currentTarget.value)}
          aria-invalid={filterError() ? "true" : undefined}
          aria-describedby="run-filter-error"
        />
        <button class="btn" type="submit">
          Apply
        </button>
      </form>
      <p id="run-filter-error" class="filter-error" role="alert">
        {filterError() ? `Invalid filter: ${filterError()}` : ""}
      </p>
      <div class="table-wrap">
        <table class="runs-table">
          <thead>
            <tr>
              <th>
                <span class="sr-only">Select</span>
              </th>
              {header("attributes.run_name", "Run")}
              {header("attributes.start_time", "Started")}
              <th>Status</th>
              <For each={cols().params}>{(k) => header(`params.${k}`, k)}</For>
              <For each={cols().metrics}>{(k) => header(`metrics.${k}`, k)}</For>
            </tr>
          </thead>
          <tbody>
            <For each={runs()}>
              {(r) => (
                <tr>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${r.name || r.id}`}
                      checked={selected().includes(r.id)}
                      disabled={!selected().includes(r.id) && selected().length >= 10}
                      onChange={() => toggle(r.id)}
                    />
                  </td>
                  <td>
                    <A href={`/experiment-runs/${r.id}`}>{r.name || r.id}</A>
                  </td>
                  <td class="small">{when(r.startTime)}</td>
                  <td class="small">{r.status}</td>
                  <For each={cols().params}>{(k) => <td class="mono">{r.params[k] ?? ""}</td>}</For>
                  <For each={cols().metrics}>
                    {(k) => <td class="mono num">{formatMetric(r.metrics[k]?.value)}</td>}
                  </For>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <p class="muted" role="status">
        {loading()
          ? "Loading runs…"
          : runs().length
            ? `${runs().length} runs shown`
            : filter().trim()
              ? "No runs match this filter."
              : "No runs yet. Runs appear here as they are logged (mlflow.start_run() in a notebook)."}
      </p>
      <Show when={cursor()}>
        <button type="button" class="btn" disabled={loading()} onClick={() => load(true)}>
          Load more
        </button>
      </Show>
    </section>
  );
}

function MetricsCharts(props: { runs: RunSummary[] }) {
  const [axis, setAxis] = createSignal<"step" | "time">("step");
  const keys = createMemo(() => [...new Set(props.runs.flatMap((r) => Object.keys(r.metrics)))].sort());
  return (
    <div>
      <div class="btn-group" role="radiogroup" aria-label="X axis">
        <For each={["step", "time"] as const}>
          {(a) => (
            // biome-ignore lint/a11y/useSemanticElements: a segmented toggle; ARIA radio semantics on buttons are valid
            <button
              type="button"
              role="radio"
              aria-checked={axis() === a}
              class={`btn btn-sm ${axis() === a ? "btn-primary" : ""}`}
              onClick={() => setAxis(a)}
            >
              {a === "step" ? "Step" : "Time"}
            </button>
          )}
        </For>
      </div>
      <Show when={keys().length} fallback={<p class="muted">No metrics logged.</p>}>
        <div class="charts">
          <For each={keys()}>
            {(key) => {
              const [hist] = createResource(
                () => props.runs.map((r) => r.id).join(","),
                () => Promise.all(props.runs.map((r) => trackingApi.metricHistory(r.id, key).then((h) => h.points))),
              );
              return (
                <Show when={hist()} fallback={<div class="metric-chart muted">Loading {key}…</div>}>
                  <MetricChart
                    title={key}
                    labels={props.runs.map((r) => r.name || r.id)}
                    data={buildSeries(hist()!, axis())}
                    time={axis() === "time"}
                  />
                </Show>
              );
            }}
          </For>
        </div>
      </Show>
    </div>
  );
}

function Artifacts(props: { runId: string }) {
  const [path, setPath] = createSignal("");
  const [entries] = createResource(
    () => [props.runId, path()] as const,
    ([id, p]) => trackingApi.artifacts(id, p),
  );
  const [preview, setPreview] = createSignal<ArtifactEntry | null>(null);
  const [text] = createResource(
    () => {
      const p = preview();
      return p && !/\.(png|jpe?g|gif|svg|webp)$/i.test(p.path) ? p.path : null;
    },
    async (p) => {
      const res = await fetch(artifactUrl(props.runId, p), { credentials: "same-origin" });
      const t = await res.text();
      return t.length > 200_000 ? `${t.slice(0, 200_000)}\n…` : t;
    },
  );
  return (
    <div>
      <Show when={path()}>
        <button type="button" class="btn btn-sm" onClick={() => setPath(path().split("/").slice(0, -1).join("/"))}>
          ↑ Up
        </button>
      </Show>
      <Show when={entries()} fallback={<p class="muted">Loading artifacts…</p>}>
        <Show when={entries()!.length} fallback={<p class="muted">No artifacts.</p>}>
          <ul class="rows" aria-label="Artifacts">
            <For each={entries()}>
              {(e) => (
                <li class="row">
                  <Show
                    when={!e.isDir}
                    fallback={
                      <button type="button" class="btn-link" onClick={() => setPath(e.path)}>
                        {e.path}/
                      </button>
                    }
                  >
                    <button type="button" class="btn-link" onClick={() => setPreview(e)}>
                      {e.path}
                    </button>
                    <span class="muted small">{e.size !== undefined ? `${e.size} B` : ""}</span>
                    <a class="btn btn-sm" href={artifactUrl(props.runId, e.path)} download="">
                      Download
                    </a>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
      <Show when={preview()}>
        {(p) => (
          <figure class="artifact-preview">
            <figcaption>{p().path}</figcaption>
            <Show
              when={/\.(png|jpe?g|gif|svg|webp)$/i.test(p().path)}
              fallback={
                <Show
                  when={p().path.endsWith(".ipynb") && text()}
                  fallback={<pre class="mono">{text() ?? "Loading…"}</pre>}
                >
                  <ExecutedNotebook json={text()!} />
                </Show>
              }
            >
              <img src={artifactUrl(props.runId, p().path)} alt={p().path} />
            </Show>
          </figure>
        )}
      </Show>
    </div>
  );
}

function ExecutedNotebook(props: { json: string }) {
  const cells = createMemo(() => {
    try {
      return parseNotebook(props.json);
    } catch {
      return null;
    }
  });
  return (
    <Show when={cells()} fallback={<p class="muted">This notebook cannot be read.</p>}>
      <ol class="executed-notebook" aria-label="Executed notebook">
        <For each={cells()}>
          {(c) => (
            <li class={`nb-cell nb-${c.kind}`}>
              <pre class="mono">{c.source}</pre>
              <For each={c.outputs}>
                {(o) => (o.image ? <img src={o.image} alt="Cell output" /> : <pre class="mono nb-out">{o.text}</pre>)}
              </For>
            </li>
          )}
        </For>
      </ol>
    </Show>
  );
}

export function RunPage() {
  const params = useParams<{ runId: string }>();
  const [run] = createResource(() => params.runId, trackingApi.run);
  const [exp] = createResource(
    () => run()?.experimentId,
    (id) => trackingApi.experiment(id).catch(() => null),
  );
  const [env] = createResource(
    () => run()?.environmentId,
    (id) => (/^[0-9a-f-]{36}$/i.test(id) ? envsApi.get(id).catch(() => null) : null),
  );
  usePageTitle(() => run()?.name);
  return (
    <section class="content">
      <ErrorNote error={run.error ? messageOf(run.error) : null} />
      <Show when={run()} fallback={<p class="muted">Loading run…</p>}>
        {(r) => (
          <>
            <nav class="crumbs" aria-label="Breadcrumb">
              <A href="/">Projects</A>
              <span aria-hidden="true">/</span>
              <A href={`/experiments/${r().experimentId}`}>{exp()?.name ?? "Experiment"}</A>
              <span aria-hidden="true">/</span>
            </nav>
            <div class="page-head">
              <h1>{r().name || r().id}</h1>
              <span class="badge">{r().status}</span>
            </div>
            <p class="muted small">
              Started {when(r().startTime)}
              <Show when={r().userName}> by {r().userName}</Show>
              <Show when={r().notebookId}>
                {" · "}
                <A href={`/notebooks/${r().notebookId}`}>Source notebook</A>
                <Show when={r().notebookRevision}> (version {r().notebookRevision})</Show>
              </Show>
              <Show when={r().environmentId}>
                {" · Environment "}
                <Show when={env()} fallback={<span class="mono">{r().environmentId!.slice(0, 12)}</span>}>
                  <A href={envHref(env()!.id)}>{env()!.name}</A>
                </Show>
              </Show>
            </p>
            <div class="columns">
              <div class="panel">
                <h2>Parameters</h2>
                <KeyValues label="Parameters" values={r().params} />
              </div>
              <div class="panel">
                <h2>Tags</h2>
                <KeyValues label="Tags" values={r().tags} />
              </div>
            </div>
            <div class="panel">
              <h2>Metrics</h2>
              <MetricsCharts runs={[r()]} />
            </div>
            <div class="panel">
              <h2>Logged models</h2>
              <RunLoggedModels runId={r().id} experimentId={r().experimentId} />
            </div>
            <div class="panel">
              <h2>Artifacts</h2>
              <Artifacts runId={r().id} />
            </div>
          </>
        )}
      </Show>
    </section>
  );
}

export function ComparePage() {
  const params = useParams<{ experimentId: string }>();
  const [search] = useSearchParams();
  const ids = () =>
    String(search.runs ?? "")
      .split(",")
      .filter(Boolean)
      .slice(0, 10);
  const [runs] = createResource(
    () => ids().join(","),
    () => Promise.all(ids().map((id) => trackingApi.run(id))),
  );
  const [exp] = createResource(
    () => params.experimentId,
    (id) => trackingApi.experiment(id).catch(() => null),
  );
  usePageTitle(() => "Compare runs");
  return (
    <section class="content">
      <nav class="crumbs" aria-label="Breadcrumb">
        <A href={`/experiments/${params.experimentId}`}>{exp()?.name ?? "Experiment"}</A>
        <span aria-hidden="true">/</span>
      </nav>
      <div class="page-head">
        <h1>Compare runs</h1>
      </div>
      <ErrorNote error={runs.error ? messageOf(runs.error) : null} />
      <Show when={runs()} fallback={<p class="muted">Loading runs…</p>}>
        <div class="panel table-wrap">
          <h2>Parameters</h2>
          <table class="runs-table" aria-label="Parameters compared">
            <thead>
              <tr>
                <th>Param</th>
                <For each={runs()}>
                  {(r) => (
                    <th>
                      <A href={`/experiment-runs/${r.id}`}>{r.name || r.id}</A>
                    </th>
                  )}
                </For>
              </tr>
            </thead>
            <tbody>
              <For each={compareParams(runs()!)}>
                {(row) => (
                  <tr class={row.differs ? "differs" : ""}>
                    <th scope="row">
                      {row.key}
                      <Show when={row.differs}>
                        <span class="sr-only"> (differs)</span>
                      </Show>
                    </th>
                    <For each={row.values}>{(v) => <td class="mono">{v ?? "—"}</td>}</For>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
        <div class="panel">
          <h2>Metrics</h2>
          <MetricsCharts runs={runs()!} />
        </div>
      </Show>
    </section>
  );
}
