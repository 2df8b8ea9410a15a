import { z } from "zod";
import { Id } from "./common.ts";

/** A metric value: JSON has no NaN or infinities, so those travel as strings (as in MLflow's JSON). */
export const MetricValue = z.union([z.number(), z.enum(["NaN", "Infinity", "-Infinity"])]).meta({ id: "MetricValue" });

export const ExperimentId = z
  .string()
  .regex(/^\d{1,15}$/, "must be an experiment id")
  .describe("Experiment id");
export const RunId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w-]+$/, "must be a run id")
  .describe("Run id");

export const TrackedExperiment = z
  .object({
    id: ExperimentId,
    projectId: Id,
    notebookId: Id.nullable().describe("Set on a notebook's default experiment"),
    name: z.string(),
    lifecycleStage: z.enum(["active", "deleted"]),
    tags: z.record(z.string(), z.string()),
    creationTime: z.number().int().describe("Epoch milliseconds"),
    lastUpdateTime: z.number().int().describe("Epoch milliseconds"),
  })
  .meta({ id: "Experiment" });
export type TrackedExperiment = z.infer<typeof TrackedExperiment>;

export const LatestMetric = z
  .object({ value: MetricValue, step: z.number().int(), timestamp: z.number().int() })
  .meta({ id: "LatestMetric" });

export const RunSummary = z
  .object({
    id: RunId,
    experimentId: ExperimentId,
    name: z.string(),
    status: z.enum(["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]),
    lifecycleStage: z.enum(["active", "deleted"]),
    startTime: z.number().int(),
    endTime: z.number().int().nullable(),
    userId: Id.nullable(),
    userName: z.string(),
    notebookId: Id.nullable().describe("The notebook that produced the run"),
    notebookRevision: z.string().nullable(),
    environmentId: z.string().nullable(),
    gpus: z.array(z.string()).nullable(),
    parentRunId: z.string().nullable(),
    artifactUri: z.string(),
    params: z.record(z.string(), z.string()),
    metrics: z.record(z.string(), LatestMetric).describe("Latest value of each metric"),
    tags: z.record(z.string(), z.string()),
  })
  .meta({ id: "RunSummary" });
export type RunSummary = z.infer<typeof RunSummary>;

export const RunPage = z
  .object({ runs: z.array(RunSummary), nextCursor: z.string().nullable() })
  .meta({ id: "RunPage" });

export const RunDetail = RunSummary.extend({
  inputs: z.array(
    z.object({
      dataset: z.record(z.string(), z.unknown()),
      tags: z.array(z.object({ key: z.string(), value: z.string() })),
    }),
  ),
}).meta({ id: "RunDetail" });

export const RunTableQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(10000).default(100),
    cursor: z.string().optional().describe("From a previous page's nextCursor"),
    orderBy: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe("MLflow order-by clauses, e.g. `metrics.loss ASC`, `params.lr`, `start_time DESC`"),
    filter: z.string().optional().describe("MLflow search filter, e.g. `metrics.acc > 0.9 and params.model = 'rf'`"),
    view: z.enum(["active", "deleted", "all"]).default("active"),
  })
  .meta({ id: "RunTableQuery" });

export const MetricHistoryQuery = z.object({
  key: z.string().min(1),
  limit: z.coerce.number().int().min(1).max(1_000_000).default(100_000),
  cursor: z.string().optional(),
});
export const MetricHistory = z
  .object({
    key: z.string(),
    points: z.array(z.object({ value: MetricValue, step: z.number().int(), timestamp: z.number().int() })),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "MetricHistory" });

export const ArtifactEntry = z
  .object({
    path: z.string().describe("Relative to the run's artifact root"),
    isDir: z.boolean(),
    size: z.number().int().optional(),
  })
  .meta({ id: "ArtifactEntry" });
