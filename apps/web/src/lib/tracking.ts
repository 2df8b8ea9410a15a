import type { RunSummary, TrackedExperiment } from "@tandem/protocol";
import { request } from "./api.ts";

export type RunDetail = RunSummary & { inputs: unknown[] };
export type RunPage = { runs: RunSummary[]; nextCursor: string | null };
export type MetricPoint = { value: number | string; step: number; timestamp: number };
export type ArtifactEntry = { path: string; isDir: boolean; size?: number };

export const trackingApi = {
  experiments: (projectId: string) => request<TrackedExperiment[]>("GET", `/projects/${projectId}/experiments`),
  experiment: (id: string) => request<TrackedExperiment>("GET", `/experiments/${id}`),
  runs: (id: string, q: { orderBy?: string; filter?: string; cursor?: string; limit?: number }) => {
    const p = new URLSearchParams();
    p.set("limit", String(q.limit ?? 100));
    if (q.orderBy) p.set("orderBy", q.orderBy);
    if (q.filter?.trim()) p.set("filter", q.filter.trim());
    if (q.cursor) p.set("cursor", q.cursor);
    return request<RunPage>("GET", `/experiments/${id}/runs?${p}`);
  },
  run: (id: string) => request<RunDetail>("GET", `/experiment-runs/${id}`),
  metricHistory: (id: string, key: string) =>
    request<{ key: string; points: MetricPoint[] }>(
      "GET",
      `/experiment-runs/${id}/metric-history?key=${encodeURIComponent(key)}`,
    ),
  artifacts: (id: string, path = "") =>
    request<ArtifactEntry[]>("GET", `/experiment-runs/${id}/artifacts?path=${encodeURIComponent(path)}`),
};

export const artifactUrl = (runId: string, path: string) =>
  `/api/experiment-runs/${runId}/artifacts/content?path=${encodeURIComponent(path)}`;

/** The param and metric columns of a run table: the union of keys over the runs, sorted. */
export function deriveColumns(runs: RunSummary[]): { params: string[]; metrics: string[] } {
  const params = new Set<string>();
  const metrics = new Set<string>();
  for (const r of runs) {
    for (const k of Object.keys(r.params)) params.add(k);
    for (const k of Object.keys(r.metrics)) metrics.add(k);
  }
  return { params: [...params].sort(), metrics: [...metrics].sort() };
}

export type Sort = { key: string; dir: "ASC" | "DESC" };

/** Clicking a column header: a new column sorts descending, the same column flips. */
export function nextSort(current: Sort | null, key: string): Sort {
  if (current?.key === key) return { key, dir: current.dir === "ASC" ? "DESC" : "ASC" };
  return { key, dir: "DESC" };
}

/** An MLflow order-by clause; keys with odd characters are backticked. */
export function orderByClause(sort: Sort | null): string | undefined {
  if (!sort) return undefined;
  const dot = sort.key.indexOf(".");
  const kind = sort.key.slice(0, dot);
  const name = sort.key.slice(dot + 1);
  const field = dot < 0 ? sort.key : /^[\w]+$/.test(name) ? `${kind}.${name}` : `${kind}.\`${name}\``;
  return `${field} ${sort.dir}`;
}

export function metricNumber(v: number | string): number {
  if (typeof v === "number") return v;
  return v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : NaN;
}

/**
 * Aligned uPlot data for several series over a shared x axis (step or time in seconds):
 * [xs, ys1, ys2, ...] with null where a series has no point at an x.
 */
export function buildSeries(series: MetricPoint[][], axis: "step" | "time"): [number[], ...(number | null)[][]] {
  const xOf = (p: MetricPoint) => (axis === "step" ? p.step : p.timestamp / 1000);
  const xs = [...new Set(series.flatMap((s) => s.map(xOf)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array(xs.length).fill(null);
    for (const p of s) {
      const n = metricNumber(p.value);
      y[index.get(xOf(p))!] = Number.isFinite(n) ? n : null;
    }
    return y;
  });
  return [xs, ...ys];
}

/** Param keys over the runs with, for each, whether the values differ between runs. */
export function compareParams(runs: RunSummary[]): { key: string; values: (string | undefined)[]; differs: boolean }[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  return keys.map((key) => {
    const values = runs.map((r) => r.params[key]);
    return { key, values, differs: new Set(values).size > 1 };
  });
}

export function formatMetric(v: number | string | undefined): string {
  if (v === undefined) return "";
  if (typeof v === "string") return v;
  return Number.isInteger(v) ? String(v) : v.toPrecision(4).replace(/\.?0+$/, "");
}

export type NotebookCellView = {
  kind: "code" | "markdown" | "raw";
  source: string;
  outputs: { text?: string; image?: string }[];
};

const joined = (v: unknown) => (Array.isArray(v) ? v.join("") : typeof v === "string" ? v : "");

/** The cells of an executed .ipynb, as plain text and PNG/JPEG outputs (no HTML is rendered). */
export function parseNotebook(json: string): NotebookCellView[] {
  const nb = JSON.parse(json) as { cells?: any[] };
  return (nb.cells ?? []).map((c) => ({
    kind: c.cell_type === "code" || c.cell_type === "markdown" ? c.cell_type : "raw",
    source: joined(c.source),
    outputs: (c.outputs ?? []).map((o: any) => {
      if (o.output_type === "stream") return { text: joined(o.text) };
      if (o.output_type === "error") return { text: `${o.ename}: ${o.evalue}` };
      const data = o.data ?? {};
      if (data["image/png"]) return { image: `data:image/png;base64,${joined(data["image/png"]).trim()}` };
      if (data["image/jpeg"]) return { image: `data:image/jpeg;base64,${joined(data["image/jpeg"]).trim()}` };
      return { text: joined(data["text/plain"]) };
    }),
  }));
}
