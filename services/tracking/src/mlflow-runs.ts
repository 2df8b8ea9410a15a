import { type Db, schema } from "@tandem/db";
import { eq } from "drizzle-orm";
import { invalid, missing } from "./errors.ts";
import { type Experiment, getExperiment } from "./experiments.ts";
import { newRunId, newRunName } from "./ids.ts";
import { num, numOrNull } from "./sql.ts";
import { validateKey, validateValue } from "./validate.ts";

const { runs, runTags } = schema;

export const RUN_STATUSES = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
const TERMINAL = new Set(["FINISHED", "FAILED", "KILLED"]);

export interface MlflowRunInfo {
  runId: string;
  experimentId: number;
  runName: string;
  /** Tandem's user who created the run. */
  userId: string | null;
  /** The user name MLflow's client reported. */
  userName: string;
  status: string;
  startTime: number;
  endTime: number | null;
  lifecycleStage: string;
  artifactUri: string;
  sourceNotebookId: string | null;
  notebookRevision: string | null;
  environmentId: string | null;
  gpus: string[] | null;
  parentRunId: string | null;
}

export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface MlflowRun {
  info: MlflowRunInfo;
  data: { metrics: MetricPoint[]; params: { key: string; value: string }[]; tags: { key: string; value: string }[] };
}

type MlflowRunRow = typeof runs.$inferSelect;
export const artifactUriOf = (experimentId: number, runId: string) =>
  `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;

export function toRunInfo(r: MlflowRunRow): MlflowRunInfo {
  return {
    runId: r.id,
    experimentId: num(r.experimentId),
    runName: r.name,
    userId: r.userId,
    userName: r.userName,
    status: r.status,
    startTime: num(r.startTime),
    endTime: numOrNull(r.endTime),
    lifecycleStage: r.lifecycleStage,
    artifactUri: artifactUriOf(num(r.experimentId), r.id),
    sourceNotebookId: r.sourceNotebookId,
    notebookRevision: r.notebookRevision,
    environmentId: r.environmentId,
    gpus: r.gpus,
    parentRunId: r.parentRunId,
  };
}

/** Tags the client may set that Tandem keeps as run columns too (provenance). */
export const PROVENANCE_TAGS = {
  notebookId: "tandem.notebookId",
  notebookRevision: "tandem.notebookRevision",
  environmentId: "tandem.environmentId",
  gpus: "tandem.gpus",
  parentRunId: "mlflow.parentRunId",
  runName: "mlflow.runName",
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Run columns derived from provenance tags (only the ones present). */
export function columnsFromTags(tags: Map<string, string>): Partial<MlflowRunRow> {
  const out: Partial<MlflowRunRow> = {};
  const nb = tags.get(PROVENANCE_TAGS.notebookId);
  if (nb && UUID.test(nb)) out.sourceNotebookId = nb.toLowerCase();
  if (tags.has(PROVENANCE_TAGS.notebookRevision)) out.notebookRevision = tags.get(PROVENANCE_TAGS.notebookRevision)!;
  if (tags.has(PROVENANCE_TAGS.environmentId)) out.environmentId = tags.get(PROVENANCE_TAGS.environmentId)!;
  const gpus = tags.get(PROVENANCE_TAGS.gpus);
  if (gpus !== undefined)
    out.gpus = gpus
      .split(",")
      .map((g) => g.trim())
      .filter(Boolean);
  if (tags.has(PROVENANCE_TAGS.parentRunId)) out.parentRunId = tags.get(PROVENANCE_TAGS.parentRunId)!;
  const name = tags.get(PROVENANCE_TAGS.runName);
  if (name) out.name = name;
  return out;
}

export function runIdOf(body: { run_id?: unknown; run_uuid?: unknown }): string {
  const id = body.run_id || body.run_uuid;
  if (id !== undefined && id !== null && id !== "" && typeof id !== "string")
    throw invalid(`Invalid value ${JSON.stringify(id)} for parameter 'run_id' supplied`);
  if (typeof id !== "string" || !id) throw invalid("Missing value for required parameter 'run_id'");
  return id;
}

export async function getRunRow(db: Db, runId: string): Promise<MlflowRunRow> {
  const [row] = await db.select().from(runs).where(eq(runs.id, runId)).limit(1);
  if (!row) throw missing(`Run with id=${runId} not found`);
  return row;
}

/** A run and the project it belongs to (through its experiment), in one query, for access checks. */
export async function getRunWithProject(db: Db, runId: string): Promise<{ row: MlflowRunRow; projectId: string }> {
  const [found] = await db
    .select({ row: runs, projectId: schema.experiments.projectId })
    .from(runs)
    .innerJoin(schema.experiments, eq(schema.experiments.id, runs.experimentId))
    .where(eq(runs.id, runId))
    .limit(1);
  if (!found) throw missing(`Run with id=${runId} not found`);
  return found;
}

/** MLflow refuses writes to deleted runs; Tandem also refuses them to finished runs (reopen with status RUNNING). */
export function assertWritable(row: Pick<MlflowRunRow, "id" | "lifecycleStage" | "status">): void {
  if (row.lifecycleStage !== "active")
    throw invalid(`The run ${row.id} must be in the 'active' state. Current state is ${row.lifecycleStage}.`);
  if (TERMINAL.has(row.status))
    throw invalid(
      `The run ${row.id} is ${row.status} and accepts no more writes; set its status back to RUNNING to reopen it.`,
    );
}

export interface CreateRun {
  experiment: Experiment;
  userId: string | null;
  userName?: string;
  startTime?: number;
  runName?: string;
  tags?: { key: string; value: string }[];
}

/** Creates the run and answers its id (mlflow-run-search.ts reads it back whole). */
export async function createRun(db: Db, input: CreateRun): Promise<string> {
  const exp = input.experiment;
  if (exp.lifecycleStage !== "active")
    throw invalid(`The experiment ${exp.id} must be in the 'active' state. Current state is ${exp.lifecycleStage}.`);
  const tags = new Map<string, string>();
  for (const t of input.tags ?? []) tags.set(validateKey("tag", t.key), validateValue("tag", t.key, t.value));
  const tagName = tags.get(PROVENANCE_TAGS.runName);
  if (input.runName && tagName && input.runName !== tagName)
    throw invalid(`Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values.`);
  const name = input.runName || tagName || newRunName();
  tags.set(PROVENANCE_TAGS.runName, name);
  const id = newRunId();
  const row = {
    id,
    experimentId: exp.id,
    name,
    userId: input.userId,
    userName: input.userName ?? "",
    status: "RUNNING",
    startTime: input.startTime ?? Date.now(),
    // A run in a notebook's experiment comes from that notebook unless its tags say otherwise.
    sourceNotebookId: exp.notebookId,
    ...columnsFromTags(tags),
  };
  await db.transaction(async (tx) => {
    await tx.insert(runs).values(row);
    await tx.insert(runTags).values([...tags].map(([key, value]) => ({ runId: id, key, value })));
  });
  return id;
}

export interface UpdateRun {
  status?: string;
  endTime?: number;
  runName?: string;
}

export async function updateRun(db: Db, row: MlflowRunRow, u: UpdateRun): Promise<MlflowRunInfo> {
  if (row.lifecycleStage !== "active")
    throw invalid(`The run ${row.id} must be in the 'active' state. Current state is ${row.lifecycleStage}.`);
  const set: Partial<MlflowRunRow> = {};
  if (u.status !== undefined) {
    if (!(RUN_STATUSES as readonly string[]).includes(u.status)) throw invalid(`Invalid run status '${u.status}'`);
    set.status = u.status;
  }
  if (u.endTime !== undefined) set.endTime = u.endTime;
  if (u.runName) set.name = u.runName;
  await db.transaction(async (tx) => {
    if (Object.keys(set).length) await tx.update(runs).set(set).where(eq(runs.id, row.id));
    if (u.runName)
      await tx
        .insert(runTags)
        .values({ runId: row.id, key: PROVENANCE_TAGS.runName, value: u.runName })
        .onConflictDoUpdate({ target: [runTags.runId, runTags.key], set: { value: u.runName } });
  });
  return toRunInfo({ ...row, ...set });
}

export async function setRunStage(db: Db, row: MlflowRunRow, stage: "active" | "deleted"): Promise<void> {
  if (stage === "active") {
    const exp = await getExperiment(db, num(row.experimentId));
    if (exp.lifecycleStage !== "active") throw invalid(`Cannot restore a run of the deleted experiment ${exp.id}`);
  }
  await db
    .update(runs)
    .set({ lifecycleStage: stage, deletedTime: stage === "deleted" ? Date.now() : null })
    .where(eq(runs.id, row.id));
}
