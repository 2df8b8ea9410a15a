export { type ArtifactEntry, type ArtifactPath, ArtifactStore, parseArtifactPath } from "./artifacts.ts";
export { MlflowCode, TrackingError } from "./errors.ts";
export { type Experiment, experimentIdOf, type ViewType } from "./experiments.ts";
export { parseFilter, parseOrderBy } from "./filter.ts";
export {
  ensureNotebookExperiment,
  type KernelTrackingEnv,
  type KernelTrackingInput,
  kernelTrackingEnv,
} from "./kernel-env.ts";
export {
  type MetricPoint,
  type MlflowRun,
  type MlflowRunInfo,
  PROVENANCE_TAGS,
  RUN_STATUSES,
  runIdOf,
} from "./mlflow-runs.ts";
export type { AliasEvent } from "./models/aliases.ts";
export type { ModelGuard } from "./models/guard.ts";
export type { Lineage } from "./models/lineage.ts";
export { type LoggedModel, modelArtifactDir } from "./models/logged-models.ts";
export type { Models } from "./models/models.ts";
export type { RegisteredModel } from "./models/registered-models.ts";
export type { ModelVersion } from "./models/versions.ts";
export { createTracking, type Tracking, type TrackingOptions } from "./tracking.ts";
export { MAX_BATCH_METRICS, MAX_BATCH_PARAMS, MAX_BATCH_TAGS, MAX_BATCH_TOTAL } from "./validate.ts";
export { parseDouble, parseInt64 } from "./values.ts";
