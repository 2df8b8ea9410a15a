import type { LoggedModel, ModelVersion, RegisteredModel } from "@tandem/tracking";

const kv = (m: Record<string, string>) => Object.entries(m).map(([key, value]) => ({ key, value }));

/** MLflow 3's LoggedModel message. */
export const wireLoggedModel = (m: LoggedModel) => ({
  info: {
    model_id: m.id,
    experiment_id: String(m.experimentId),
    name: m.name,
    creation_timestamp_ms: m.creationTime,
    last_updated_timestamp_ms: m.lastUpdatedTime,
    artifact_uri: m.artifactUri,
    status: m.status,
    ...(m.modelType ? { model_type: m.modelType } : {}),
    ...(m.sourceRunId ? { source_run_id: m.sourceRunId } : {}),
    ...(m.statusMessage ? { status_message: m.statusMessage } : {}),
    tags: kv(m.tags),
    registrations: m.registrations.map((r) => ({ name: r.name, version: String(r.version) })),
  },
  data: { params: kv(m.params), metrics: [] },
});

/** The registry's ModelVersion message, aliases included (MLflow's own server leaves them out of searches). */
export const wireModelVersion = (v: ModelVersion) => ({
  name: v.name,
  version: String(v.version),
  creation_timestamp: v.creationTime,
  last_updated_timestamp: v.lastUpdatedTime,
  user_id: v.userName,
  current_stage: v.currentStage,
  description: v.description,
  source: v.source,
  ...(v.runId ? { run_id: v.runId } : {}),
  status: v.status,
  tags: kv(v.tags),
  run_link: v.runLink,
  aliases: v.aliases,
  ...(v.modelId ? { model_id: v.modelId } : {}),
});

export const wireRegisteredModel = (m: RegisteredModel, latest: ModelVersion[] = []) => ({
  name: m.name,
  creation_timestamp: m.creationTime,
  last_updated_timestamp: m.lastUpdatedTime,
  description: m.description,
  latest_versions: latest.map(wireModelVersion),
  tags: kv(m.tags),
  aliases: m.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })),
});
