import { z } from "zod";
import { Id } from "./common.ts";
import { ExperimentId, RunId } from "./tracking.ts";

/** A registered model's name (MLflow's registry is one namespace); no `/`, `\`, `%`, `:` or `..`. */
export const ModelName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^/\\%:]+$/, "must be a model name")
  .describe("Registered model name");
export const AliasName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\w-]+$/, "may only contain letters, digits, _ and -")
  .describe("Alias (not `latest` nor `v<N>`)");

export const ModelVersionSummary = z
  .object({
    id: Id,
    name: ModelName,
    version: z.number().int(),
    source: z.string(),
    runId: RunId.nullable(),
    modelId: z.string().nullable().describe("The MLflow 3 logged model it was made from"),
    description: z.string(),
    stage: z.string(),
    aliases: z.array(z.string()),
    tags: z.record(z.string(), z.string()),
    createdBy: Id.nullable(),
    creationTime: z.number().int().describe("Epoch milliseconds"),
    lastUpdatedTime: z.number().int(),
    metrics: z.record(z.string(), z.number()).describe("The source run's latest metrics"),
  })
  .meta({ id: "ModelVersion" });
export type ModelVersionSummary = z.infer<typeof ModelVersionSummary>;

export const RegisteredModelSummary = z
  .object({
    id: Id,
    name: ModelName,
    projectId: Id,
    description: z.string(),
    tags: z.record(z.string(), z.string()),
    aliases: z.record(z.string(), z.number().int()).describe("Alias → version"),
    latestVersion: z.number().int().nullable(),
    creationTime: z.number().int(),
    lastUpdatedTime: z.number().int(),
  })
  .meta({ id: "RegisteredModel" });
export type RegisteredModelSummary = z.infer<typeof RegisteredModelSummary>;

export const RegisteredModelDetail = RegisteredModelSummary.extend({ versions: z.array(ModelVersionSummary) }).meta({
  id: "RegisteredModelDetail",
});

export const CreateRegisteredModel = z.object({ name: ModelName, description: z.string().max(5000).optional() });
export const RegisterVersion = z
  .object({
    runId: RunId.optional().describe("Register the run's logged model (or `artifactPath` under the run)"),
    artifactPath: z
      .string()
      .min(1)
      .max(1000)
      .optional()
      .describe("The logged model's name in the run; default `model`"),
    modelId: z.string().min(1).max(64).optional().describe("An MLflow 3 logged model id (`m-…`)"),
    source: z.string().min(1).max(2000).optional().describe("Any model URI"),
    description: z.string().max(5000).optional(),
  })
  .refine((b) => b.runId || b.modelId || b.source, "give runId, modelId or source");
export const SetAlias = z.object({ version: z.number().int().min(1) });

export const AliasEvent = z
  .object({
    alias: z.string(),
    fromVersion: z.number().int().nullable(),
    toVersion: z.number().int().nullable().describe("Null when the alias was deleted"),
    userId: Id.nullable(),
    userEmail: z.string().nullable(),
    at: z.number().int().describe("Epoch milliseconds"),
  })
  .meta({ id: "AliasEvent" });
export const AliasHistory = z
  .object({
    events: z.array(AliasEvent),
    aliasesAt: z.record(z.string(), z.number().int()).nullable().describe("With `at`: where each alias pointed then"),
  })
  .meta({ id: "AliasHistory" });
export const AliasHistoryQuery = z.object({
  alias: z.string().optional(),
  at: z
    .string()
    .optional()
    .describe("An ISO 8601 time or epoch milliseconds: answer where each alias pointed at that moment"),
});

export const ModelLineage = z
  .object({
    version: ModelVersionSummary,
    loggedModel: z
      .object({
        id: z.string(),
        name: z.string(),
        experimentId: ExperimentId,
        artifactUri: z.string(),
        status: z.string(),
        modelType: z.string().nullable(),
        params: z.record(z.string(), z.string()),
        mlmodel: z.string().nullable().describe("The MLmodel file: flavors, signature"),
        inputExample: z.string().nullable(),
        artifacts: z.array(z.object({ path: z.string(), size: z.number().int() })),
      })
      .nullable(),
    run: z
      .object({
        id: RunId,
        name: z.string(),
        experimentId: ExperimentId,
        experimentName: z.string(),
        status: z.string(),
        startTime: z.number().int(),
        endTime: z.number().int().nullable(),
        userName: z.string(),
        params: z.record(z.string(), z.string()),
        metrics: z.record(z.string(), z.number()),
      })
      .nullable(),
    notebook: z.object({ id: Id, name: z.string(), revision: z.string().nullable() }).nullable(),
    environment: z.object({ id: z.string(), name: z.string().nullable(), lockHash: z.string().nullable() }).nullable(),
    gpus: z.array(z.string()),
    datasets: z.array(
      z.object({ name: z.string(), digest: z.string(), dataset: z.record(z.string(), z.unknown()), tags: z.unknown() }),
    ),
  })
  .meta({ id: "ModelLineage" });
export type ModelLineage = z.infer<typeof ModelLineage>;

/** An MLflow 3 logged model of a run, with the registered versions made from it (the run page's "Register model"). */
export const LoggedModelSummary = z
  .object({
    id: z.string().describe("`m-…`"),
    name: z.string().describe("The name it was logged under (`runs:/<run>/<name>`)"),
    experimentId: ExperimentId,
    runId: RunId.nullable(),
    status: z.string(),
    modelType: z.string().nullable(),
    artifactUri: z.string(),
    creationTime: z.number().int(),
    registrations: z.array(z.object({ name: z.string(), version: z.number().int() })),
  })
  .meta({ id: "LoggedModel" });
export type LoggedModelSummary = z.infer<typeof LoggedModelSummary>;
