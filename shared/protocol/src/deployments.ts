import { z } from "zod";
import { Id, Timestamp } from "./common.ts";
import { AliasName, ModelName } from "./models.ts";

/** A deployment's name: part of its URL (`/deployments/<name>/invocations`), unique on the server. */
export const DeploymentName = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "lower-case letters, digits and inner dashes (it is part of a URL)")
  .describe("Unique on the server; part of the endpoint's URL");

export const DeploymentStatus = z
  .enum(["building", "starting", "ready", "degraded", "failed", "stopped"])
  .meta({ id: "DeploymentStatus" });
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

const Target = {
  alias: AliasName.optional().describe("Follow this alias (a rollout when it moves)"),
  version: z.number().int().min(1).optional().describe("Serve this version, pinned"),
};

const LogSampleRate = z
  .number()
  .min(0)
  .max(1)
  .describe("Share of requests kept with their input and prediction in the request log (0..1)");
const Sensitive = z.boolean().describe("Never log this deployment's inputs and predictions");
const Monitoring = { logSampleRate: LogSampleRate.default(0.01), sensitive: Sensitive.default(false) };

export const CreateDeployment = z
  .object({
    name: DeploymentName,
    model: ModelName,
    ...Target,
    replicas: z.number().int().min(1).max(16).default(1),
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000).describe("Per request; 504 past it"),
    gpus: z.number().int().min(0).max(16).default(0).describe("GPUs per replica, from the GPU allocator"),
    canary: z
      .object({ ...Target, percent: z.number().int().min(1).max(99) })
      .refine((c) => (c.alias === undefined) !== (c.version === undefined), "give the canary an alias or a version")
      .optional()
      .describe("Another version taking this share of the requests"),
    ...Monitoring,
  })
  .refine((d) => !(d.alias !== undefined && d.version !== undefined), "give an alias or a version, not both")
  .meta({ id: "CreateDeployment" });
export type CreateDeployment = z.output<typeof CreateDeployment>;

export const UpdateDeployment = z
  .object({
    ...Target,
    replicas: z.number().int().min(1).max(16).optional(),
    timeoutMs: z.number().int().min(100).max(600_000).optional(),
    canary: z
      .object({ ...Target, percent: z.number().int().min(1).max(99) })
      .nullable()
      .optional(),
    logSampleRate: LogSampleRate.optional(),
    sensitive: Sensitive.optional(),
  })
  .refine((d) => !(d.alias !== undefined && d.version !== undefined), "give an alias or a version, not both")
  .meta({ id: "UpdateDeployment" });
export type UpdateDeployment = z.output<typeof UpdateDeployment>;

export const DeploymentReplica = z
  .object({
    id: z.string(),
    version: z.number().int(),
    state: z.enum(["starting", "ready", "failed", "stopping"]),
    pid: z.number().int().nullable(),
    restarts: z.number().int(),
    lastError: z.string().nullable(),
  })
  .meta({ id: "DeploymentReplica" });

export const Deployment = z
  .object({
    id: Id,
    name: DeploymentName,
    projectId: Id,
    model: ModelName,
    alias: z.string().nullable(),
    version: z.number().int().nullable(),
    canary: z
      .object({ alias: z.string().optional(), version: z.number().int().optional(), percent: z.number() })
      .nullable(),
    replicas: z.number().int(),
    timeoutMs: z.number().int(),
    gpus: z.number().int(),
    status: DeploymentStatus,
    reason: z.string().nullable().describe("Why it is not ready (a build's or a replica's failure)"),
    serving: z
      .array(z.object({ version: z.number().int(), weight: z.number(), environmentId: z.string().nullable() }))
      .describe("The versions answering now, with their share of requests (percent)"),
    url: z.string().describe("POST <url>/invocations with `Authorization: Bearer <token>`"),
    replicaStates: z.array(DeploymentReplica),
    logSampleRate: LogSampleRate,
    sensitive: Sensitive,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "Deployment" });
export type Deployment = z.infer<typeof Deployment>;

export const DeploymentHistoryEntry = z
  .object({
    at: Timestamp,
    userId: Id.nullable(),
    action: z.string().describe("created, updated, rollout, rolled-back, rollback, stopped, started, failed"),
    versions: z.array(z.number().int()),
    detail: z.string().nullable(),
  })
  .meta({ id: "DeploymentHistoryEntry" });
export type DeploymentHistoryEntry = z.infer<typeof DeploymentHistoryEntry>;
