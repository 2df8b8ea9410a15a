import { z } from "zod";
import { Id, Name, Timestamp } from "./common.ts";
import { LatestMetric } from "./tracking.ts";

/** A parameter value: any JSON value; it reaches the notebook as a Python literal. */
// z.unknown, not z.json: a recursive schema cannot be written out as OpenAPI; a JSON body holds JSON anyway.
export const ParameterValue = z.unknown().describe("Any JSON value; rendered into the notebook as a Python literal");
export const Parameters = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a parameter name is a Python identifier"), ParameterValue)
  .meta({ id: "Parameters" });
export type Parameters = z.infer<typeof Parameters>;

export const NotebookRunStatus = z
  .enum(["queued", "running", "succeeded", "failed", "cancelled", "skipped"])
  .meta({ id: "NotebookRunStatus" });
export type NotebookRunStatus = z.infer<typeof NotebookRunStatus>;
export const FINISHED_RUN_STATUSES: readonly NotebookRunStatus[] = ["succeeded", "failed", "cancelled", "skipped"];

export const RunTrigger = z
  .enum(["manual", "schedule", "rerun", "detach"])
  .describe("What started the run: a person or API call, the job's cron, a re-run of another run, a detached notebook")
  .meta({ id: "RunTrigger" });

/** Why a run failed, as a code a client can act on. */
export const RunErrorCode = z
  .enum([
    "cell_error",
    "timeout",
    "kernel_died",
    "worker_lost",
    "notebook_missing",
    "environment_unavailable",
    "invalid_parameters",
    "forbidden",
    "internal",
  ])
  .meta({ id: "RunErrorCode" });
export type RunErrorCode = z.infer<typeof RunErrorCode>;

export const RunError = z
  .object({
    code: RunErrorCode,
    message: z.string(),
    cellId: z.string().nullable().describe("The cell that failed, when a cell did"),
  })
  .meta({ id: "RunError" });
export type RunError = z.infer<typeof RunError>;

export const CellRunStatus = z.enum(["pending", "running", "ok", "error", "aborted", "skipped"]);
export const CellRun = z
  .object({
    cellId: z.string(),
    index: z.number().int().describe("Position in the run's notebook"),
    status: CellRunStatus,
    startedAt: Timestamp.nullable(),
    finishedAt: Timestamp.nullable(),
    durationMs: z.number().int().nullable(),
  })
  .meta({ id: "CellRun" });
export type CellRun = z.infer<typeof CellRun>;

export const NotebookRun = z
  .object({
    id: Id,
    number: z.number().int().describe("Counts the notebook's runs: #1, #2…"),
    projectId: Id,
    notebookId: Id.nullable().describe("The source notebook (null once deleted)"),
    notebookName: z.string(),
    documentId: Id.nullable().describe(
      "The run's own document (watch it live at /collab/<documentId>); the notebook itself for a detached run",
    ),
    jobId: Id.nullable(),
    jobName: z.string().nullable(),
    revision: z.string().nullable().describe("The pinned notebook version; null when the latest was taken at start"),
    environmentId: Id.nullable(),
    kernelspec: z.string().nullable(),
    parameters: Parameters,
    status: NotebookRunStatus,
    trigger: RunTrigger,
    attempt: z.number().int().describe("1 for the first try; retries count up"),
    maxAttempts: z.number().int(),
    timeoutSeconds: z.number().int().nullable(),
    stopOnError: z.boolean(),
    scheduledFor: Timestamp.describe("When the run was due"),
    createdAt: Timestamp,
    startedAt: Timestamp.nullable(),
    finishedAt: Timestamp.nullable(),
    durationMs: z.number().int().nullable(),
    error: RunError.nullable(),
    cells: z.array(CellRun),
    experimentRunId: z.string().nullable().describe("The experiment run that records params, metrics and artifacts"),
    experimentId: z.string().nullable(),
    metrics: z.record(z.string(), LatestMetric).describe("Latest value of each metric the notebook logged"),
    rerunOf: Id.nullable(),
    createdBy: Id.nullable(),
  })
  .meta({ id: "NotebookRun" });
export type NotebookRun = z.infer<typeof NotebookRun>;

export const NotebookRunPage = z
  .object({ runs: z.array(NotebookRun), nextCursor: z.string().nullable() })
  .meta({ id: "NotebookRunPage" });
export type NotebookRunPage = z.infer<typeof NotebookRunPage>;

const RunPolicy = {
  environmentId: Id.optional().describe("Run in this environment (default: the notebook's kernel's, or the default)"),
  revision: Id.optional().describe(
    "A version id of the notebook (see /notebooks/{id}/versions); default: the latest at start",
  ),
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .optional(),
  retries: z.number().int().min(0).max(10).optional().describe("Further attempts after a failure"),
  retryBackoffSeconds: z
    .number()
    .int()
    .min(0)
    .max(24 * 3600)
    .optional()
    .describe("Wait before a retry; doubles each time"),
  stopOnError: z.boolean().optional().describe("Stop at the first failing cell (default true)"),
};

export const CreateRunBody = z
  .object({ parameters: Parameters.default({}), ...RunPolicy })
  .meta({ id: "CreateRunBody" });
export type CreateRunBody = z.input<typeof CreateRunBody>;

export const RerunBody = z
  .object({
    parameters: Parameters.optional().describe("Replaces the named parameters; the others stay as they were"),
  })
  .meta({ id: "RerunBody" });
export type RerunBody = z.input<typeof RerunBody>;

export const DetachBody = z
  .object({
    cellId: z.string().optional().describe("Run from this cell to the end (default: the first cell)"),
  })
  .meta({ id: "DetachBody" });
export type DetachBody = z.input<typeof DetachBody>;

export const ListRunsQuery = z.object({
  status: NotebookRunStatus.optional(),
  jobId: Id.optional(),
  notebookId: Id.optional(),
  documentId: Id.optional().describe("The run whose own document this is"),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const ConcurrencyPolicy = z
  .enum(["allow", "skip", "queue"])
  .describe("When a run of the job is still going: start another, skip this one, or wait for it")
  .meta({ id: "ConcurrencyPolicy" });
export const CatchUpPolicy = z
  .enum(["none", "latest", "all"])
  .describe("Fire times missed while the server was down: drop them, run the latest once, or run each")
  .meta({ id: "CatchUpPolicy" });

export const Webhook = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    events: z
      .array(z.enum(["success", "failure"]))
      .min(1)
      .default(["failure"]),
  })
  .meta({ id: "Webhook" });

const CronExpression = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe("Five or six fields (`0 2 * * *`), or a nickname such as @daily; null: runs only when asked");

const JobFields = {
  name: Name,
  parameters: Parameters.default({}),
  cron: CronExpression.nullable().default(null),
  timezone: z.string().min(1).max(100).default("UTC").describe("IANA time zone the cron is read in"),
  catchUp: CatchUpPolicy.default("latest"),
  concurrency: ConcurrencyPolicy.default("skip"),
  enabled: z.boolean().default(true),
  webhook: Webhook.nullable().default(null),
  ...RunPolicy,
};

export const CreateJobBody = z.object({ notebookId: Id, ...JobFields }).meta({ id: "CreateJobBody" });
export type CreateJobBody = z.input<typeof CreateJobBody>;

export const UpdateJobBody = z
  .object({
    notebookId: Id.optional().describe("Point the job at another notebook of the project"),
    name: Name.optional(),
    parameters: Parameters.optional(),
    cron: CronExpression.nullable().optional(),
    timezone: z.string().min(1).max(100).optional(),
    catchUp: CatchUpPolicy.optional(),
    concurrency: ConcurrencyPolicy.optional(),
    enabled: z.boolean().optional(),
    webhook: Webhook.nullable().optional(),
    environmentId: Id.nullable().optional(),
    revision: Id.nullable().optional(),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .nullable()
      .optional(),
    retries: z.number().int().min(0).max(10).optional(),
    retryBackoffSeconds: z
      .number()
      .int()
      .min(0)
      .max(24 * 3600)
      .optional(),
    stopOnError: z.boolean().optional(),
  })
  .meta({ id: "UpdateJobBody" });
export type UpdateJobBody = z.input<typeof UpdateJobBody>;

export const JobRunSummary = z
  .object({ id: Id, status: NotebookRunStatus, scheduledFor: Timestamp, finishedAt: Timestamp.nullable() })
  .meta({ id: "JobRunSummary" });

export const Job = z
  .object({
    id: Id,
    projectId: Id,
    notebookId: Id.nullable().describe("Null once the notebook was deleted (the job then cannot run)"),
    notebookName: z.string().nullable(),
    name: z.string(),
    parameters: Parameters,
    cron: z.string().nullable(),
    timezone: z.string(),
    catchUp: CatchUpPolicy,
    concurrency: ConcurrencyPolicy,
    enabled: z.boolean(),
    webhook: Webhook.nullable(),
    environmentId: Id.nullable(),
    revision: z.string().nullable(),
    timeoutSeconds: z.number().int().nullable(),
    retries: z.number().int(),
    retryBackoffSeconds: z.number().int(),
    stopOnError: z.boolean(),
    nextFireAt: Timestamp.nullable(),
    upcoming: z.array(Timestamp).describe("The next fire times (up to 5)"),
    lastRun: JobRunSummary.nullable(),
    problem: z.string().nullable().describe("Why the job cannot run as it stands (deleted notebook or environment)"),
    createdBy: Id.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "Job" });
export type Job = z.infer<typeof Job>;

export const CronPreviewQuery = z.object({
  cron: z.string().min(1).max(200),
  timezone: z.string().min(1).max(100).default("UTC"),
  count: z.coerce.number().int().min(1).max(50).default(5),
});
export const CronPreview = z
  .object({ cron: z.string(), timezone: z.string(), upcoming: z.array(Timestamp) })
  .meta({ id: "CronPreview" });
export type CronPreview = z.infer<typeof CronPreview>;
