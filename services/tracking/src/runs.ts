import { type Db, schema } from "@tandem/db";
import { and, eq, type SQL, sql } from "drizzle-orm";
import { invalid, missing } from "./errors.ts";
import { type Experiment, getExperiment, stringComparison, type ViewType } from "./experiments.ts";
import { type Clause, type OrderBy, parseFilter, parseOrderBy } from "./filter.ts";
import { newRunId, newRunName } from "./ids.ts";
import { num, numOrNull, rowsOf } from "./sql.ts";
import { validateKey, validateValue } from "./validate.ts";
import { readValue } from "./values.ts";

const { runs, runTags } = schema;

export const RUN_STATUSES = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
const TERMINAL = new Set(["FINISHED", "FAILED", "KILLED"]);

export interface RunInfo {
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

export interface Run {
  info: RunInfo;
  data: { metrics: MetricPoint[]; params: { key: string; value: string }[]; tags: { key: string; value: string }[] };
}

type RunRow = typeof runs.$inferSelect;
export const artifactUriOf = (experimentId: number, runId: string) =>
  `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;

export function toRunInfo(r: RunRow): RunInfo {
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
export function columnsFromTags(tags: Map<string, string>): Partial<RunRow> {
  const out: Partial<RunRow> = {};
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

export async function getRunRow(db: Db, runId: string): Promise<RunRow> {
  const [row] = await db.select().from(runs).where(eq(runs.id, runId)).limit(1);
  if (!row) throw missing(`Run with id=${runId} not found`);
  return row;
}

/** A run and the project it belongs to (through its experiment), in one query, for access checks. */
export async function getRunWithProject(db: Db, runId: string): Promise<{ row: RunRow; projectId: string }> {
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
export function assertWritable(row: Pick<RunRow, "id" | "lifecycleStage" | "status">): void {
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

export async function createRun(db: Db, input: CreateRun): Promise<Run> {
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
  return getRun(db, id);
}

export interface UpdateRun {
  status?: string;
  endTime?: number;
  runName?: string;
}

export async function updateRun(db: Db, row: RunRow, u: UpdateRun): Promise<RunInfo> {
  if (row.lifecycleStage !== "active")
    throw invalid(`The run ${row.id} must be in the 'active' state. Current state is ${row.lifecycleStage}.`);
  const set: Partial<RunRow> = {};
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

export async function setRunStage(db: Db, row: RunRow, stage: "active" | "deleted"): Promise<void> {
  if (stage === "active") {
    const exp = await getExperiment(db, num(row.experimentId));
    if (exp.lifecycleStage !== "active") throw invalid(`Cannot restore a run of the deleted experiment ${exp.id}`);
  }
  await db
    .update(runs)
    .set({ lifecycleStage: stage, deletedTime: stage === "deleted" ? Date.now() : null })
    .where(eq(runs.id, row.id));
}

export async function getRun(db: Db, runId: string): Promise<Run> {
  const [run] = await queryRuns(db, { where: [sql`r.id = ${runId}`], joins: [], order: [], limit: 1, offset: 0 });
  if (!run) throw missing(`Run with id=${runId} not found`);
  return run;
}

export interface SearchRuns {
  experimentIds: number[];
  filter?: string | Clause[];
  orderBy?: string[] | OrderBy[];
  viewType?: ViewType;
  maxResults?: number;
  offset?: number;
}

const ATTRIBUTE_COLUMNS: Record<string, SQL> = {
  status: sql`r.status`,
  run_name: sql`r.name`,
  start_time: sql`r.start_time`,
  created: sql`r.start_time`,
  end_time: sql`r.end_time`,
  run_id: sql`r.id`,
  user_id: sql`r.user_name`,
  lifecycle_stage: sql`r.lifecycle_stage`,
  environment_id: sql`r.environment_id`,
  notebook_id: sql`r.source_notebook_id::text`,
};

function attributeColumn(key: string): SQL {
  const col = ATTRIBUTE_COLUMNS[key];
  if (!col)
    throw invalid(
      `Invalid attribute key '${key}' specified. Valid keys are ${Object.keys(ATTRIBUTE_COLUMNS).join(", ")}`,
    );
  return col;
}

/** The SQL condition of one MLflow filter clause, as an indexed EXISTS on the entity's table. */
function clauseSql(c: Clause): SQL {
  switch (c.type) {
    case "attribute":
      return stringComparison(attributeColumn(c.key), c.op, c.value);
    case "metric":
      return sql`exists (select 1 from latest_metrics m where m.run_id = r.id and m.key = ${c.key} and not m.is_nan and ${stringComparison(sql`m.value`, c.op, c.value as number)})`;
    case "param":
      return sql`exists (select 1 from run_params p where p.run_id = r.id and p.key = ${c.key} and ${stringComparison(sql`p.value`, c.op, c.value)})`;
    case "tag":
      return sql`exists (select 1 from run_tags t where t.run_id = r.id and t.key = ${c.key} and ${stringComparison(sql`t.value`, c.op, c.value)})`;
  }
}

/**
 * An ORDER BY term; sorting by a metric, param or tag joins that one key's table once (by its
 * primary key) rather than looking it up per comparison.
 */
function orderSql(o: OrderBy, i: number): { join?: SQL; expr: SQL } {
  const dir = o.ascending ? sql`asc nulls last` : sql`desc nulls last`;
  const alias = sql.raw(`o${i}`);
  switch (o.type) {
    case "attribute":
      return { expr: sql`${attributeColumn(o.key)} ${dir}` };
    case "metric":
      return {
        join: sql`left join latest_metrics ${alias} on ${alias}.run_id = r.id and ${alias}.key = ${o.key}`,
        expr: sql`case when ${alias}.is_nan then null else ${alias}.value end ${dir}`,
      };
    case "param":
      return {
        join: sql`left join run_params ${alias} on ${alias}.run_id = r.id and ${alias}.key = ${o.key}`,
        expr: sql`${alias}.value ${dir}`,
      };
    case "tag":
      return {
        join: sql`left join run_tags ${alias} on ${alias}.run_id = r.id and ${alias}.key = ${o.key}`,
        expr: sql`${alias}.value ${dir}`,
      };
  }
}

export async function searchRuns(db: Db, q: SearchRuns): Promise<Run[]> {
  if (!q.experimentIds.length) return [];
  const where: SQL[] = [
    sql`r.experiment_id in (${sql.join(
      q.experimentIds.map((id) => sql`${id}`),
      sql`, `,
    )})`,
  ];
  const view = q.viewType ?? "ACTIVE_ONLY";
  if (view === "ACTIVE_ONLY") where.push(sql`r.lifecycle_stage = 'active'`);
  if (view === "DELETED_ONLY") where.push(sql`r.lifecycle_stage = 'deleted'`);
  const clauses = typeof q.filter === "string" || !q.filter ? parseFilter(q.filter) : q.filter;
  for (const c of clauses) where.push(clauseSql(c));
  const orders =
    q.orderBy?.length && typeof q.orderBy[0] === "string"
      ? parseOrderBy(q.orderBy as string[])
      : ((q.orderBy ?? []) as OrderBy[]);
  const terms = orders.map(orderSql);
  return queryRuns(db, {
    where,
    joins: terms.flatMap((t) => (t.join ? [t.join] : [])),
    order: terms.map((t) => t.expr),
    limit: q.maxResults ?? 1000,
    offset: q.offset ?? 0,
  });
}

const byKey = (a: [string, ...unknown[]], b: [string, ...unknown[]]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

interface RawRun {
  id: string;
  experiment_id: unknown;
  name: string;
  user_id: string | null;
  user_name: string;
  status: string;
  start_time: unknown;
  end_time: unknown;
  lifecycle_stage: string;
  source_notebook_id: string | null;
  notebook_revision: string | null;
  environment_id: string | null;
  gpus: string[] | null;
  parent_run_id: string | null;
  metrics: [string, number, boolean, unknown, unknown][];
  params: [string, string][];
  tags: [string, string][];
}

/**
 * The page of runs is chosen (filtered, sorted, limited) first; then the chosen runs' latest
 * metrics, params and tags are gathered with one grouped query each, in parallel. No N+1.
 */
async function queryRuns(
  db: Db,
  q: { where: SQL[]; joins: SQL[]; order: SQL[]; limit: number; offset: number },
): Promise<Run[]> {
  const order = sql.join([...q.order, sql`r.start_time desc`, sql`r.id asc`], sql`, `);
  const page = await rowsOf<Omit<RawRun, "metrics" | "params" | "tags">>(
    db,
    sql`select r.id, r.experiment_id, r.name, r.user_id, r.user_name, r.status, r.start_time, r.end_time,
          r.lifecycle_stage, r.source_notebook_id, r.notebook_revision, r.environment_id, r.gpus, r.parent_run_id
        from runs r ${sql.join(q.joins, sql` `)}
        where ${and(...q.where)}
        order by ${order} limit ${q.limit} offset ${q.offset}`,
  );
  if (!page.length) return [];
  const ids = JSON.stringify(page.map((r) => r.id));
  // json (not jsonb), unordered: half the cost of jsonb; keys are sorted in JS.
  const gather = async <T>(table: string, cols: string) => {
    const rows = await rowsOf<{ run_id: string; v: T[] }>(
      db,
      sql`select run_id, json_agg(json_build_array(${sql.raw(cols)})) as v from ${sql.raw(table)}
          where run_id in (select jsonb_array_elements_text(${ids}::jsonb)) group by run_id`,
    );
    return new Map(rows.map((r) => [r.run_id, r.v]));
  };
  const [metricsOf, paramsOf, tagsOf] = await Promise.all([
    gather<RawRun["metrics"][number]>("latest_metrics", "key, value, is_nan, timestamp, step"),
    gather<[string, string]>("run_params", "key, value"),
    gather<[string, string]>("run_tags", "key, value"),
  ]);
  const rows: RawRun[] = page.map((r) => ({
    ...r,
    metrics: metricsOf.get(r.id) ?? [],
    params: paramsOf.get(r.id) ?? [],
    tags: tagsOf.get(r.id) ?? [],
  }));
  return rows.map((r) => ({
    info: toRunInfo({
      id: r.id,
      experimentId: num(r.experiment_id),
      name: r.name,
      userId: r.user_id,
      userName: r.user_name,
      status: r.status,
      startTime: num(r.start_time),
      endTime: numOrNull(r.end_time),
      lifecycleStage: r.lifecycle_stage,
      sourceNotebookId: r.source_notebook_id,
      notebookRevision: r.notebook_revision,
      environmentId: r.environment_id,
      gpus: r.gpus,
      parentRunId: r.parent_run_id,
      deletedTime: null,
    }),
    data: {
      metrics: r.metrics.sort(byKey).map(([key, value, isNan, timestamp, step]) => ({
        key,
        value: readValue(Number(value), isNan),
        timestamp: num(timestamp),
        step: num(step),
      })),
      params: r.params.sort(byKey).map(([key, value]) => ({ key, value })),
      tags: r.tags.sort(byKey).map(([key, value]) => ({ key, value })),
    },
  }));
}
