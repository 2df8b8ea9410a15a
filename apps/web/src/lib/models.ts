import type { LoggedModelSummary, ModelLineage, ModelVersionSummary, RegisteredModelSummary } from "@tandem/protocol";
import { request } from "./api.ts";

export type ModelDetail = RegisteredModelSummary & { versions: ModelVersionSummary[] };
export type AliasEvent = {
  alias: string;
  fromVersion: number | null;
  toVersion: number | null;
  userEmail: string | null;
  at: number;
};
export type { LoggedModelSummary, ModelLineage, ModelVersionSummary, RegisteredModelSummary };

const m = (name: string) => `/models/${encodeURIComponent(name)}`;

export const modelsApi = {
  list: (projectId: string) => request<RegisteredModelSummary[]>("GET", `/projects/${projectId}/models`),
  create: (projectId: string, name: string) =>
    request<RegisteredModelSummary>("POST", `/projects/${projectId}/models`, { name }),
  get: (name: string) => request<ModelDetail>("GET", m(name)),
  version: (name: string, version: number) => request<ModelVersionSummary>("GET", `${m(name)}/versions/${version}`),
  lineage: (versionId: string) => request<ModelLineage>("GET", `/model-versions/${versionId}/lineage`),
  register: (name: string, modelId: string) => request<ModelVersionSummary>("POST", `${m(name)}/versions`, { modelId }),
  setAlias: (name: string, alias: string, version: number) =>
    request<RegisteredModelSummary>("PUT", `${m(name)}/aliases/${encodeURIComponent(alias)}`, { version }),
  deleteAlias: (name: string, alias: string) =>
    request<void>("DELETE", `${m(name)}/aliases/${encodeURIComponent(alias)}`),
  history: (name: string) => request<{ events: AliasEvent[] }>("GET", `${m(name)}/alias-history`),
  loggedModels: (runId: string) => request<LoggedModelSummary[]>("GET", `/experiment-runs/${runId}/logged-models`),
};

export const modelHref = (name: string) => `/models/${encodeURIComponent(name)}`;
export const versionHref = (name: string, version: number) => `${modelHref(name)}/versions/${version}`;

/** A logged model's file, through the MLflow artifact proxy (the same bytes the client downloads). */
export const modelFileUrl = (experimentId: string, modelId: string, path: string) =>
  `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/models/${modelId}/artifacts/${path
    .split("/")
    .map(encodeURIComponent)
    .join("/")}`;

/** The metric columns of a versions table: the union of the versions' run metrics, sorted. */
export const metricKeys = (versions: ModelVersionSummary[]) =>
  [...new Set(versions.flatMap((v) => Object.keys(v.metrics)))].sort();

/** The signature of an MLmodel file as "name: type" lines (inputs, then outputs); null when it has none. */
export function signatureOf(mlmodel: string | null): { inputs: string[]; outputs: string[] } | null {
  if (!mlmodel) return null;
  const field = (key: string) => {
    // MLmodel (YAML) keeps each side of the signature as one JSON string: `  inputs: '[{...}]'`.
    const line = mlmodel.match(new RegExp(`^\\s+${key}:\\s*'(.*)'\\s*$`, "m"))?.[1];
    if (!line) return [];
    try {
      const cols = JSON.parse(line.replaceAll("''", "'")) as {
        name?: string;
        type?: string;
        "tensor-spec"?: unknown;
      }[];
      return cols.map((c) => `${c.name ?? "(unnamed)"}: ${c.type ?? (c["tensor-spec"] ? "tensor" : "?")}`);
    } catch {
      return [line];
    }
  };
  if (!/^signature:/m.test(mlmodel)) return null;
  return { inputs: field("inputs"), outputs: field("outputs") };
}

/** The flavors an MLmodel file declares (`python_function`, `sklearn`, …). */
export function flavorsOf(mlmodel: string | null): string[] {
  const block = mlmodel?.match(/^flavors:\n((?:[ \t]+.*\n?)*)/m)?.[1] ?? "";
  return [...block.matchAll(/^ {2}(\w+):/gm)].map((x) => x[1]!);
}
