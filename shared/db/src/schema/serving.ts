import { sql } from "drizzle-orm";
import {
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgTable,
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
