import { join } from "node:path";
import type { Db } from "@tandem/db";
import { memberProjects } from "@tandem/projects";
import type { Logger } from "pino";
import { ArtifactStore } from "./artifacts.ts";
import { type BlobStore, DiskBlobs } from "./blobs/blobs.ts";
import { parseS3Url, S3Blobs, type S3BlobsOptions } from "./blobs/s3-blobs.ts";
import * as exps from "./experiments.ts";
import {
  ensureNotebookExperiment,
  type KernelTrackingHookDeps,
  type KernelTrackingInput,
  kernelTrackingEnv,
  kernelTrackingHook,
} from "./kernel-env.ts";
import * as logging from "./logging.ts";
import * as runSearch from "./mlflow-run-search.ts";
import * as runs from "./mlflow-runs.ts";
import { createModels } from "./models/models.ts";
import { defaultProjectFor } from "./projects.ts";

export interface TrackingOptions {
  db: Db;
  /** This server's artifact directory (`<dataDir>/artifacts`): uploads being hashed, and the blobs unless a bucket is set. */
  artifactsDir: string;
  /** TANDEM_ARTIFACTS_URL: `s3://bucket/prefix` puts the blobs in that bucket, shared by every server. */
  artifactsUrl?: string;
  /** The bucket's endpoint, region and credentials (TANDEM_S3_*). */
  s3?: Omit<S3BlobsOptions, "bucket" | "prefix">;
  log: Logger;
}

function blobStore(o: TrackingOptions): BlobStore {
  if (o.artifactsUrl?.startsWith("s3://")) return new S3Blobs({ ...o.s3, ...parseS3Url(o.artifactsUrl) });
  return new DiskBlobs(o.artifactsDir);
}

/** Experiments, runs, metrics and artifacts: the business logic behind both the MLflow and Tandem APIs. */
export function createTracking(options: TrackingOptions) {
  const { db } = options;
  const artifacts = new ArtifactStore(db, blobStore(options), join(options.artifactsDir, "tmp"));
  return {
    artifacts,
    models: createModels(db, artifacts),
    experiments: {
      get: (id: number) => exps.getExperiment(db, id),
      create: (input: exps.CreateExperiment) => exps.createExperiment(db, input),
      byName: (name: string, projectIds: string[] | null) => exps.experimentByName(db, name, projectIds),
      rename: (exp: exps.Experiment, name: string) => exps.renameExperiment(db, exp, name),
      setStage: (exp: exps.Experiment, stage: "active" | "deleted") => exps.setExperimentStage(db, exp, stage),
      setTag: (exp: exps.Experiment, key: string, value: string) => exps.setExperimentTag(db, exp, key, value),
      deleteTag: (exp: exps.Experiment, key: string) => exps.deleteExperimentTag(db, exp, key),
      search: (q: exps.SearchExperiments) => exps.searchExperiments(db, q),
      forNotebook: (input: { notebookId: string; projectId: string; userId: string | null }) =>
        ensureNotebookExperiment(db, input),
    },
    runs: {
      row: (runId: string) => runs.getRunRow(db, runId),
      withProject: (runId: string) => runs.getRunWithProject(db, runId),
      get: (runId: string) => runSearch.getRun(db, runId),
      create: async (input: runs.CreateRun) => runSearch.getRun(db, await runs.createRun(db, input)),
      update: (row: Awaited<ReturnType<typeof runs.getRunRow>>, u: runs.UpdateRun) => runs.updateRun(db, row, u),
      setStage: (row: Awaited<ReturnType<typeof runs.getRunRow>>, stage: "active" | "deleted") =>
        runs.setRunStage(db, row, stage),
      search: (q: runSearch.SearchRuns) => runSearch.searchRuns(db, q),
      logBatch: (runId: string, batch: logging.BatchInput) => logging.logBatch(db, runId, batch),
      deleteTag: (runId: string, key: string) => logging.deleteTag(db, runId, key),
      logInputs: (runId: string, datasets: unknown) => logging.logInputs(db, runId, datasets),
      inputs: (runId: string) => logging.runInputsOf(db, runId),
      metricHistory: (runId: string, key: string, page?: { limit?: number; offset?: number }) =>
        logging.metricHistory(db, runId, key, page),
    },
    projects: {
      defaultFor: (userId: string) => defaultProjectFor(db, userId),
      memberOf: (userId: string) => memberProjects(db, userId),
    },
    /** For the kernel gateway's launch hook: the MLflow environment of a notebook's kernel. */
    kernelTrackingEnv: (input: KernelTrackingInput) => kernelTrackingEnv(db, input),
    kernelLaunchHook: (deps: KernelTrackingHookDeps) => kernelTrackingHook(db, deps),
  };
}

export type Tracking = ReturnType<typeof createTracking>;
