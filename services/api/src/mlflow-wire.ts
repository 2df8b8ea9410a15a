import type { Experiment, MetricPoint, MlflowRun, MlflowRunInfo } from "@tandem/tracking";
import { TrackingError } from "@tandem/tracking";

/** MLflow's JSON: protobuf JSON writes non-finite doubles as strings. */
export const wireDouble = (v: number): number | "NaN" | "Infinity" | "-Infinity" =>
  Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : v;

export const wireMetric = (m: MetricPoint) => ({
  key: m.key,
  value: wireDouble(m.value),
  timestamp: m.timestamp,
  step: m.step,
});

export const wireExperiment = (e: Experiment) => ({
  experiment_id: String(e.id),
  name: e.name,
  artifact_location: e.artifactLocation,
  lifecycle_stage: e.lifecycleStage,
  creation_time: e.creationTime,
  last_update_time: e.lastUpdateTime,
  tags: Object.entries(e.tags).map(([key, value]) => ({ key, value })),
});

export const wireRunInfo = (i: MlflowRunInfo) => ({
  run_id: i.runId,
  run_uuid: i.runId,
  run_name: i.runName,
  experiment_id: String(i.experimentId),
  user_id: i.userName,
  status: i.status,
  start_time: i.startTime,
  ...(i.endTime !== null ? { end_time: i.endTime } : {}),
  artifact_uri: i.artifactUri,
  lifecycle_stage: i.lifecycleStage,
});

export const wireRun = (r: MlflowRun, inputs: { dataset_inputs: unknown[] } = { dataset_inputs: [] }) => ({
  info: wireRunInfo(r.info),
  data: { metrics: r.data.metrics.map(wireMetric), params: r.data.params, tags: r.data.tags },
  inputs,
});

/** Page tokens are opaque to clients: an offset, base64url-encoded. */
export const pageToken = (offset: number) => Buffer.from(JSON.stringify({ offset })).toString("base64url");
export function offsetOf(token: unknown): number {
  if (token === undefined || token === null || token === "") return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(String(token), "base64url").toString("utf8")) as { offset: unknown };
    if (typeof offset === "number" && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {}
  throw new TrackingError("INVALID_PARAMETER_VALUE", "Invalid page token");
}

/**
 * Parses a request body as MLflow clients send it. Python's json writes NaN and ±Infinity as
 * bare tokens, which JSON.parse refuses: outside strings they become protobuf-JSON strings.
 */
export function parseMlflowJson(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    try {
      parsed = JSON.parse(text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => (m.startsWith('"') ? m : `"${m}"`)));
    } catch {
      throw new TrackingError("INVALID_PARAMETER_VALUE", "The request body is not valid JSON");
    }
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new TrackingError("INVALID_PARAMETER_VALUE", "The request body must be a JSON object");
  return parsed as Record<string, unknown>;
}
