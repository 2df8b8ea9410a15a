import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { notebooks, projects, users } from "./core.ts";

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** What a run does when it fails (shared by job definitions and the runs they enqueue). */
const runPolicy = () => ({
  environmentId: uuid("environment_id"),
  /** A collab version id; null takes the notebook as it is when the run starts. */
  revision: text("revision"),
  timeoutSeconds: integer("timeout_seconds"),
  stopOnError: boolean("stop_on_error").notNull().default(true),
});

/** A job definition: a notebook with parameters and policies, run on a cron schedule or when asked. */
export const jobs = pgTable(
  "jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** Null once the notebook is deleted: the job stays, with its history, and says why it cannot run. */
    notebookId: uuid("notebook_id").references(() => notebooks.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    parameters: jsonb("parameters").$type<Record<string, unknown>>().notNull().default({}),
    ...runPolicy(),
    retries: integer("retries").notNull().default(0),
    retryBackoffSeconds: integer("retry_backoff_seconds").notNull().default(60),
    /** allow | skip | queue */
    concurrency: text("concurrency").notNull().default("skip"),
    cron: text("cron"),
    timezone: text("timezone").notNull().default("UTC"),
    /** none | latest | all */
    catchUp: text("catch_up").notNull().default("latest"),
    enabled: boolean("enabled").notNull().default(true),
    webhook: jsonb("webhook").$type<{ url: string; events: string[] } | null>(),
    /** The next cron fire time; schedulers advance it with compare-and-set, so a time fires once. */
    nextFireAt: at("next_fire_at"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: at("created_at").notNull().defaultNow(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [index("jobs_project_idx").on(t.projectId), index("jobs_next_fire_idx").on(t.nextFireAt)],
);

/**
 * A headless run of a notebook: the queue (status `queued`, claimed with FOR UPDATE SKIP LOCKED),
 * the lease of the worker running it, and the record of what happened.
 */
export const notebookRuns = pgTable(
  "notebook_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    notebookId: uuid("notebook_id").references(() => notebooks.id, { onDelete: "set null" }),
    /** Kept for the record when the notebook goes. */
    notebookName: text("notebook_name").notNull(),
    /** Per source notebook: #1, #2… */
    number: integer("number").notNull(),
    /** The run's own document (a notebook row of kind "run"); the notebook itself for a detached run. */
    documentId: uuid("document_id").references(() => notebooks.id, { onDelete: "set null" }),
    jobId: uuid("job_id").references(() => jobs.id, { onDelete: "set null" }),
    jobName: text("job_name"),
    trigger: text("trigger").notNull(),
    rerunOf: uuid("rerun_of"),
    parameters: jsonb("parameters").$type<Record<string, unknown>>().notNull().default({}),
    ...runPolicy(),
    kernelspec: text("kernelspec"),
    /** queued | running | succeeded | failed | cancelled | skipped */
    status: text("status").notNull().default("queued"),
    attempt: integer("attempt").notNull().default(1),
    maxAttempts: integer("max_attempts").notNull().default(1),
    retryBackoffSeconds: integer("retry_backoff_seconds").notNull().default(60),
    /** When the run was due (the cron fire time, or when it was asked for). */
    scheduledFor: at("scheduled_for").notNull(),
    /** Not claimed before this (a retry's backoff). */
    notBefore: at("not_before").notNull(),
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: at("lease_expires_at"),
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    startedAt: at("started_at"),
    finishedAt: at("finished_at"),
    /** { code, message, cellId } */
    error: jsonb("error").$type<{ code: string; message: string; cellId: string | null } | null>(),
    /** Per-cell status and timing. */
    cells: jsonb("cells").$type<unknown[]>().notNull().default([]),
    /** Lifecycle events, one line each (claimed, retried, timed out…). */
    log: text("log").notNull().default(""),
    experimentRunId: text("experiment_run_id"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: at("created_at").notNull().defaultNow(),
  },
  (t) => [
    index("notebook_runs_queue_idx").on(t.status, t.notBefore),
    index("notebook_runs_project_idx").on(t.projectId, t.createdAt.desc()),
    index("notebook_runs_notebook_idx").on(t.notebookId, t.createdAt.desc()),
    index("notebook_runs_job_idx").on(t.jobId, t.createdAt.desc()),
    index("notebook_runs_document_idx").on(t.documentId),
    // A cron fire time enqueues one run, however many schedulers saw it.
    uniqueIndex("notebook_runs_job_fire_key").on(t.jobId, t.scheduledFor).where(sql`${t.trigger} = 'schedule'`),
  ],
);
