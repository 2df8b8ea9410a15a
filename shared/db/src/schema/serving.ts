import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { projects, users } from "./core.ts";
import { registeredModels } from "./models.ts";

/** A version a deployment serves, with its share of the traffic (percent) and its environment. */
export interface ServedVersion {
  version: number;
  weight: number;
  environmentId: string | null;
}

/**
 * A deployment: a registered model's alias to follow or a pinned version (exactly one), an optional
 * canary, replicas and limits; `desired` is what its owner asked for (running or stopped), `status`
 * what it is, and `serving` the versions it serves now (what a restart brings back).
 */
export const deployments = pgTable(
  "deployments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    registeredModelId: uuid("registered_model_id")
      .notNull()
      .references(() => registeredModels.id, { onDelete: "restrict" }),
    alias: text("alias"),
    version: integer("version"),
    /** `{alias?|version?, percent}`: the share of requests another version takes. */
    canary: jsonb("canary").$type<{ alias?: string; version?: number; percent: number } | null>(),
    replicas: integer("replicas").notNull().default(1),
    resources: jsonb("resources").$type<{ gpus?: number; memoryBytes?: number }>().notNull().default({}),
    timeoutMs: integer("timeout_ms").notNull().default(30_000),
    desired: text("desired").notNull().default("running"),
    status: text("status").notNull().default("building"),
    reason: text("reason"),
    serving: jsonb("serving").$type<ServedVersion[]>().notNull().default([]),
    /** Share of requests whose input and prediction go into the request log (0..1). */
    logSampleRate: real("log_sample_rate").notNull().default(0.01),
    /** A sensitive deployment's inputs and predictions are never logged. */
    sensitive: boolean("sensitive").notNull().default(false),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("deployments_name_key").on(t.name),
    index("deployments_project_idx").on(t.projectId),
    index("deployments_model_idx").on(t.registeredModelId),
    check("deployments_target_check", sql`(${t.alias} IS NULL) <> (${t.version} IS NULL)`),
  ],
);

/** Every change to a deployment: who, when, what, and the versions served after it. */
export const deploymentHistory = pgTable(
  "deployment_history",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    deploymentId: uuid("deployment_id")
      .notNull()
      .references(() => deployments.id, { onDelete: "cascade" }),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    action: text("action").notNull(),
    versions: jsonb("versions").$type<number[]>().notNull().default([]),
    detail: text("detail"),
  },
  (t) => [index("deployment_history_idx").on(t.deploymentId, t.id)],
);

/**
 * Requests through a deployment's endpoint, rolled up per second or per minute (`resolution`, in
 * seconds) and per version (0: none answered), with a latency histogram of fixed bounds per row.
 */
export const deploymentRollups = pgTable(
  "deployment_rollups",
  {
    deploymentId: uuid("deployment_id")
      .notNull()
      .references(() => deployments.id, { onDelete: "cascade" }),
    resolution: integer("resolution").notNull(),
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    version: integer("version").notNull(),
    requests: integer("requests").notNull(),
    errors4xx: integer("errors_4xx").notNull(),
    errors5xx: integer("errors_5xx").notNull(),
    latencySum: doublePrecision("latency_sum").notNull(),
    bytesIn: bigint("bytes_in", { mode: "number" }).notNull(),
    bytesOut: bigint("bytes_out", { mode: "number" }).notNull(),
    histogram: integer("histogram").array().notNull(),
  },
  (t) => [
    primaryKey({ name: "deployment_rollups_pkey", columns: [t.deploymentId, t.resolution, t.bucket, t.version] }),
    index("deployment_rollups_age_idx").on(t.resolution, t.bucket),
  ],
);

/** The sampled request log: one row per sampled request, with its input and prediction. */
export const deploymentRequests = pgTable(
  "deployment_requests",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    deploymentId: uuid("deployment_id")
      .notNull()
      .references(() => deployments.id, { onDelete: "cascade" }),
    at: timestamp("at", { withTimezone: true }).notNull(),
    version: integer("version"),
    replica: text("replica"),
    status: integer("status").notNull(),
    latencySeconds: doublePrecision("latency_seconds").notNull(),
    bytesIn: integer("bytes_in").notNull(),
    bytesOut: integer("bytes_out").notNull(),
    input: text("input"),
    output: text("output"),
  },
  (t) => [index("deployment_requests_idx").on(t.deploymentId, t.at), index("deployment_requests_age_idx").on(t.at)],
);
