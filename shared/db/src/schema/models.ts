import { bigint, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { projects, users } from "./core.ts";
import { experiments, runs } from "./tracking.ts";

// Times are epoch milliseconds, as MLflow's API carries them.
const ms = (name: string) => bigint(name, { mode: "number" });

/**
 * An MLflow 3 logged model (`m-<32 hex>`): files under `<experimentId>/models/<id>/artifacts` in
 * the experiment's artifact root, params and tags kept as maps.
 */
export const loggedModels = pgTable(
  "logged_models",
  {
    id: text("id").primaryKey(),
    experimentId: bigint("experiment_id", { mode: "number" })
      .notNull()
      .references(() => experiments.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    sourceRunId: text("source_run_id").references(() => runs.id, { onDelete: "set null" }),
    modelType: text("model_type"),
    /** LOGGED_MODEL_PENDING, LOGGED_MODEL_READY, LOGGED_MODEL_UPLOAD_FAILED. */
    status: text("status").notNull().default("LOGGED_MODEL_PENDING"),
    statusMessage: text("status_message"),
    lifecycleStage: text("lifecycle_stage").notNull().default("active"),
    creatorId: uuid("creator_id").references(() => users.id, { onDelete: "set null" }),
    tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
    params: jsonb("params").$type<Record<string, string>>().notNull().default({}),
    creationTime: ms("creation_time").notNull(),
    lastUpdatedTime: ms("last_updated_time").notNull(),
  },
  (t) => [
    index("logged_models_experiment_idx").on(t.experimentId, t.creationTime.desc()),
    index("logged_models_run_idx").on(t.sourceRunId),
  ],
);

/** `runs/outputs`: the models a run produced, at which step. */
export const runOutputs = pgTable(
  "run_outputs",
  {
    runId: text("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    modelId: text("model_id")
      .notNull()
      .references(() => loggedModels.id, { onDelete: "cascade" }),
    step: ms("step").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.runId, t.modelId] })],
);

/** A registered model: a name (unique, as MLflow's registry is one namespace) owned by a project. */
export const registeredModels = pgTable("registered_models", {
  id: uuid("id").primaryKey().defaultRandom(),
  projectId: uuid("project_id")
    .notNull()
    .references(() => projects.id, { onDelete: "cascade" }),
  name: text("name").notNull().unique("registered_models_name_key"),
  description: text("description").notNull().default(""),
  tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
  createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
  /** Version numbers are never reused, even after a version is deleted (as MLflow's). */
  nextVersion: integer("next_version").notNull().default(1),
  creationTime: ms("creation_time").notNull(),
  lastUpdatedTime: ms("last_updated_time").notNull(),
});

export const modelVersions = pgTable(
  "model_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    registeredModelId: uuid("registered_model_id")
      .notNull()
      .references(() => registeredModels.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    source: text("source").notNull(),
    runId: text("run_id").references(() => runs.id, { onDelete: "set null" }),
    modelId: text("model_id").references(() => loggedModels.id, { onDelete: "set null" }),
    description: text("description").notNull().default(""),
    /** MLflow's deprecated stages: None, Staging, Production, Archived. */
    currentStage: text("current_stage").notNull().default("None"),
    status: text("status").notNull().default("READY"),
    runLink: text("run_link").notNull().default(""),
    tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    userName: text("user_name").notNull().default(""),
    creationTime: ms("creation_time").notNull(),
    lastUpdatedTime: ms("last_updated_time").notNull(),
  },
  (t) => [
    uniqueIndex("model_versions_model_version_key").on(t.registeredModelId, t.version),
    index("model_versions_run_idx").on(t.runId),
    index("model_versions_source_idx").on(t.source),
  ],
);

/** Where each alias points now. */
export const modelAliases = pgTable(
  "model_aliases",
  {
    registeredModelId: uuid("registered_model_id")
      .notNull()
      .references(() => registeredModels.id, { onDelete: "cascade" }),
    alias: text("alias").notNull(),
    version: integer("version").notNull(),
  },
  (t) => [primaryKey({ columns: [t.registeredModelId, t.alias] })],
);

/** Every alias move (set, moved, deleted): who, when, from which version to which. */
export const modelAliasEvents = pgTable(
  "model_alias_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    registeredModelId: uuid("registered_model_id")
      .notNull()
      .references(() => registeredModels.id, { onDelete: "cascade" }),
    alias: text("alias").notNull(),
    fromVersion: integer("from_version"),
    /** Null when the alias was deleted. */
    toVersion: integer("to_version"),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    at: ms("at").notNull(),
  },
  (t) => [index("model_alias_events_model_alias_at_idx").on(t.registeredModelId, t.alias, t.at)],
);
