import {
  bigint,
  boolean,
  doublePrecision,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { notebooks, projects, users } from "./core.ts";

// Times are epoch milliseconds (bigint), as MLflow's API carries them, so nothing is converted per row.
const ms = (name: string) => bigint(name, { mode: "number" });

/** An MLflow experiment. Ids are numbers (as strings on the wire), as MLflow's are. */
export const experiments = pgTable(
  "experiments",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity({ startWith: 1 }),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** Set on a notebook's default experiment (one per notebook). */
    notebookId: uuid("notebook_id").references(() => notebooks.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    /** "active" or "deleted" (MLflow's lifecycle stage). */
    lifecycleStage: text("lifecycle_stage").notNull().default("active"),
    tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
    /** The client's `artifact_location`, read back as given; null: `mlflow-artifacts:/<id>` (migration 0010). */
    artifactLocation: text("artifact_location"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    creationTime: ms("creation_time").notNull(),
    lastUpdateTime: ms("last_update_time").notNull(),
  },
  (t) => [
    uniqueIndex("experiments_project_name_key").on(t.projectId, t.name),
    uniqueIndex("experiments_notebook_key").on(t.notebookId),
  ],
);

export const runs = pgTable(
  "runs",
  {
    /** 32 hex characters, like MLflow's run ids. */
    id: text("id").primaryKey(),
    experimentId: bigint("experiment_id", { mode: "number" })
      .notNull()
      .references(() => experiments.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    /** The user name MLflow's client reports (`user_id` on the wire). */
    userName: text("user_name").notNull().default(""),
    /** RUNNING, SCHEDULED, FINISHED, FAILED, KILLED. */
    status: text("status").notNull().default("RUNNING"),
    startTime: ms("start_time").notNull(),
    endTime: ms("end_time"),
    lifecycleStage: text("lifecycle_stage").notNull().default("active"),
    sourceNotebookId: uuid("source_notebook_id").references(() => notebooks.id, { onDelete: "set null" }),
    notebookRevision: text("notebook_revision"),
    environmentId: text("environment_id"),
    gpus: jsonb("gpus").$type<string[]>(),
    parentRunId: text("parent_run_id"),
    /** When the run was deleted (for MLflow's garbage collection semantics). */
    deletedTime: ms("deleted_time"),
  },
  (t) => [
    index("runs_experiment_start_idx").on(t.experimentId, t.startTime.desc()),
    index("runs_parent_idx").on(t.parentRunId),
    index("runs_notebook_idx").on(t.sourceNotebookId),
  ],
);

const runRef = () =>
  text("run_id")
    .notNull()
    .references(() => runs.id, { onDelete: "cascade" });

export const runParams = pgTable(
  "run_params",
  { runId: runRef(), key: text("key").notNull(), value: text("value").notNull() },
  // (key, value) serves `params.x = 'y'` filters and sorting by a param.
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index("run_params_key_value_idx").on(t.key, t.value)],
);

export const runTags = pgTable(
  "run_tags",
  { runId: runRef(), key: text("key").notNull(), value: text("value").notNull() },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index("run_tags_key_value_idx").on(t.key, t.value)],
);

/**
 * Every metric point. MLflow stores NaN as `is_nan` with value 0 and ±inf as ±max double;
 * so do we, so that ordering and comparisons behave as MLflow's.
 */
export const metrics = pgTable(
  "metrics",
  {
    runId: runRef(),
    key: text("key").notNull(),
    value: doublePrecision("value").notNull(),
    isNan: boolean("is_nan").notNull().default(false),
    timestamp: ms("timestamp").notNull(),
    step: ms("step").notNull().default(0),
  },
  (t) => [index("metrics_run_key_step_idx").on(t.runId, t.key, t.step, t.timestamp)],
);

/** The latest point of each (run, key) by MLflow's rule (max step, then timestamp, then value). */
export const latestMetrics = pgTable(
  "latest_metrics",
  {
    runId: runRef(),
    key: text("key").notNull(),
    value: doublePrecision("value").notNull(),
    isNan: boolean("is_nan").notNull().default(false),
    timestamp: ms("timestamp").notNull(),
    step: ms("step").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index("latest_metrics_key_value_idx").on(t.key, t.value)],
);

/** Datasets a run used (`runs/log-inputs`), kept as MLflow sends them. */
export const runInputs = pgTable(
  "run_inputs",
  {
    runId: runRef(),
    digest: text("digest").notNull(),
    name: text("name").notNull(),
    dataset: jsonb("dataset").$type<Record<string, unknown>>().notNull(),
    tags: jsonb("tags").$type<{ key: string; value: string }[]>().notNull().default([]),
  },
  (t) => [primaryKey({ columns: [t.runId, t.name, t.digest] })],
);

/**
 * The artifact path index: each file under an experiment's artifact root points at a SHA-256
 * blob in the content-addressed store (`<dataDir>/artifacts/sha256/..`). `runId` is set for
 * paths under `<runId>/artifacts/`, so a run's files are found by index.
 */
export const artifacts = pgTable(
  "artifacts",
  {
    experimentId: bigint("experiment_id", { mode: "number" })
      .notNull()
      .references(() => experiments.id, { onDelete: "cascade" }),
    path: text("path").notNull(),
    runId: text("run_id").references(() => runs.id, { onDelete: "cascade" }),
    sha256: text("sha256").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.experimentId, t.path] }),
    index("artifacts_run_idx").on(t.runId),
    index("artifacts_sha_idx").on(t.sha256),
  ],
);
