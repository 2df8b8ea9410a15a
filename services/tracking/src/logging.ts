import { type Db, schema } from "@tandem/db";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { invalid, missing } from "./errors.ts";
import { assertWritable, columnsFromTags, getRunRow, type MetricPoint, PROVENANCE_TAGS } from "./mlflow-runs.ts";
import { rowsOf } from "./sql.ts";
import {
  MAX_BATCH_METRICS,
  MAX_BATCH_PARAMS,
  MAX_BATCH_TAGS,
  MAX_BATCH_TOTAL,
  validateKey,
  validateValue,
} from "./validate.ts";
import { parseDouble, parseInt64, readValue, storedValue } from "./values.ts";

const { runs, runParams, runTags, metrics, runInputs } = schema;

export interface BatchInput {
  metrics?: unknown[];
  params?: unknown[];
  tags?: unknown[];
}

type MetricRow = typeof metrics.$inferInsert & { value: number; isNan: boolean; timestamp: number; step: number };

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" ? (v as Record<string, unknown>) : {});

/** Validates a whole batch before anything is written: a bad entry anywhere refuses the batch. */
function parseBatch(runId: string, input: BatchInput) {
  const m = input.metrics ?? [];
  const p = input.params ?? [];
  const t = input.tags ?? [];
  for (const [name, v] of [
    ["metrics", m],
    ["params", p],
    ["tags", t],
  ] as const)
    if (!Array.isArray(v)) throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied`);
  if (m.length > MAX_BATCH_METRICS)
    throw invalid(`A batch logging request can contain at most ${MAX_BATCH_METRICS} metrics. Got ${m.length} metrics.`);
  if (p.length > MAX_BATCH_PARAMS)
    throw invalid(`A batch logging request can contain at most ${MAX_BATCH_PARAMS} params. Got ${p.length} params.`);
  if (t.length > MAX_BATCH_TAGS)
    throw invalid(`A batch logging request can contain at most ${MAX_BATCH_TAGS} tags. Got ${t.length} tags.`);
  const total = m.length + p.length + t.length;
  if (total > MAX_BATCH_TOTAL)
    throw invalid(
      `A batch logging request can contain at most ${MAX_BATCH_TOTAL} total metrics, params and tags. Got ${total}.`,
    );

  const metricRows: MetricRow[] = m.map((raw, i) => {
    const e = obj(raw);
    const key = validateKey("metric", e.key);
    const value = parseDouble(e.value);
    if (value === undefined)
      throw invalid(`Got invalid value ${JSON.stringify(e.value)} for metric '${key}'. Please specify a number.`);
    if (e.timestamp === undefined || e.timestamp === null)
      throw invalid(`Missing value for required parameter 'metrics[${i}].timestamp'`);
    const timestamp = parseInt64(e.timestamp);
    if (timestamp === undefined)
      throw invalid(`Got invalid timestamp ${JSON.stringify(e.timestamp)} for metric '${key}'`);
    const step = e.step === undefined || e.step === null ? 0 : parseInt64(e.step);
    if (step === undefined) throw invalid(`Got invalid step ${JSON.stringify(e.step)} for metric '${key}'`);
    return { runId, key, ...storedValue(value), timestamp, step };
  });

  const params = new Map<string, string>();
  for (const raw of p) {
    const e = obj(raw);
    const key = validateKey("param", e.key);
    const value = validateValue("param", key, e.value);
    const before = params.get(key);
    if (before !== undefined && before !== value)
      throw invalid(`Duplicate parameter keys have been submitted: '${key}' with different values.`);
    params.set(key, value);
  }
  // Later values of the same tag win, as when set one by one.
  const tags = new Map<string, string>();
  for (const raw of t) {
    const e = obj(raw);
    const key = validateKey("tag", e.key);
    tags.set(key, validateValue("tag", key, e.value));
  }
  return { metricRows, params, tags };
}

/**
 * Appends points and moves each key's latest value forward, in one statement: the rows travel
 * as one JSON parameter (no per-row bind parameters), and nothing is written unless the run is
 * active and not finished. Answers false when it wrote nothing for that reason.
 */
async function insertMetrics(db: Db, runId: string, rows: MetricRow[]): Promise<boolean> {
  const data = JSON.stringify(rows.map((m) => [m.key, m.value, m.isNan, m.timestamp, m.step]));
  const [res] = await rowsOf<{ n: number }>(
    db,
    sql`with run as (
          select id from runs
          where id = ${runId} and lifecycle_stage = 'active' and status not in ('FINISHED', 'FAILED', 'KILLED')
          for share
        ), data as (
          select d->>0 as key, (d->>1)::float8 as value, (d->>2)::boolean as is_nan, (d->>3)::int8 as timestamp, (d->>4)::int8 as step
          from jsonb_array_elements(${data}::jsonb) d, run
        ), ins as (
          insert into metrics (run_id, key, value, is_nan, timestamp, step)
          select ${runId}, key, value, is_nan, timestamp, step from data
        ), latest as (
          insert into latest_metrics (run_id, key, value, is_nan, timestamp, step)
          select distinct on (key) ${runId}, key, value, is_nan, timestamp, step from data
          order by key, step desc, timestamp desc, value desc
          on conflict (run_id, key) do update
            set value = excluded.value, is_nan = excluded.is_nan, timestamp = excluded.timestamp, step = excluded.step
            -- MLflow's rule for "latest": max step, then max timestamp, then max value.
            where (excluded.step, excluded.timestamp, excluded.value)
                > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)
        )
        select count(*)::int as n from run`,
  );
  return Number(res?.n) > 0;
}

/**
 * Logs a batch in one transaction with a handful of statements whatever its size: one
 * multi-row insert per table and one upsert of the latest value per metric key.
 */
export async function logBatch(db: Db, runId: string, input: BatchInput): Promise<void> {
  const { metricRows, params, tags } = parseBatch(runId, input);
  if (!params.size && !tags.size) {
    // The hot path (metrics only): one statement, atomic on its own, one round trip.
    if (metricRows.length && (await insertMetrics(db, runId, metricRows))) return;
    assertWritable(await getRunRow(db, runId));
    return;
  }
  await db.transaction(async (tx) => {
    await lockWritableRun(tx, runId);

    if (params.size) {
      const keys = [...params.keys()];
      const existing = await tx
        .select({ key: runParams.key, value: runParams.value })
        .from(runParams)
        .where(and(eq(runParams.runId, runId), inArray(runParams.key, keys)));
      for (const e of existing)
        if (e.value !== params.get(e.key))
          throw invalid(
            `Changing param values is not allowed. Param with key='${e.key}' was already logged with value='${e.value}' for run ID='${runId}'. Attempted logging new value '${params.get(e.key)}'.`,
          );
      await tx
        .insert(runParams)
        .values(keys.map((key) => ({ runId, key, value: params.get(key)! })))
        .onConflictDoNothing();
    }

    if (tags.size) {
      await tx
        .insert(runTags)
        .values([...tags].map(([key, value]) => ({ runId, key, value })))
        .onConflictDoUpdate({ target: [runTags.runId, runTags.key], set: { value: sql`excluded.value` } });
      const cols = columnsFromTags(tags);
      if (Object.keys(cols).length) await tx.update(runs).set(cols).where(eq(runs.id, runId));
    }

    if (metricRows.length) await insertMetrics(tx as unknown as Db, runId, metricRows);
  });
}

export async function deleteTag(db: Db, runId: string, key: string): Promise<void> {
  const row = await getRunRow(db, runId);
  assertWritable(row);
  const deleted = await db
    .delete(runTags)
    .where(and(eq(runTags.runId, runId), eq(runTags.key, key)))
    .returning({ key: runTags.key });
  if (!deleted.length) throw missing(`No tag with name: ${key} in run with id ${runId}`);
  if (key === PROVENANCE_TAGS.parentRunId) await db.update(runs).set({ parentRunId: null }).where(eq(runs.id, runId));
}

export async function metricHistory(
  db: Db,
  runId: string,
  key: string,
  page: { limit?: number; offset?: number } = {},
): Promise<MetricPoint[]> {
  const q = db
    .select({
      key: metrics.key,
      value: metrics.value,
      isNan: metrics.isNan,
      timestamp: metrics.timestamp,
      step: metrics.step,
    })
    .from(metrics)
    .where(and(eq(metrics.runId, runId), eq(metrics.key, key)))
    .orderBy(asc(metrics.step), asc(metrics.timestamp), asc(metrics.value))
    .$dynamic();
  if (page.limit !== undefined) q.limit(page.limit).offset(page.offset ?? 0);
  const rows = await q;
  return rows.map((r) => ({
    key: r.key,
    value: readValue(r.value, r.isNan),
    timestamp: Number(r.timestamp),
    step: Number(r.step),
  }));
}

export interface DatasetInput {
  dataset: { name: string; digest: string } & Record<string, unknown>;
  tags?: { key: string; value: string }[];
}

export async function logInputs(db: Db, runId: string, datasets: unknown): Promise<void> {
  if (datasets !== undefined && !Array.isArray(datasets)) throw invalid("datasets must be a list");
  const list = ((datasets ?? []) as DatasetInput[]).map((d) => {
    const ds = obj(d?.dataset);
    if (typeof ds.name !== "string" || typeof ds.digest !== "string")
      throw invalid("Each dataset input needs a dataset with a name and a digest");
    return { runId, name: ds.name, digest: ds.digest, dataset: ds, tags: Array.isArray(d.tags) ? d.tags : [] };
  });
  await db.transaction(async (tx) => {
    await lockWritableRun(tx, runId);
    if (list.length) await tx.insert(runInputs).values(list).onConflictDoNothing();
  });
}

export async function runInputsOf(db: Db, runId: string) {
  return db.select().from(runInputs).where(eq(runInputs.runId, runId));
}

/**
 * Locks the run FOR SHARE inside a write's transaction (a concurrent delete or finish waits for the
 * write rather than racing it) and refuses runs that may no longer be written to.
 */
async function lockWritableRun(tx: Pick<Db, "select">, runId: string): Promise<void> {
  const [row] = await tx
    .select({ id: runs.id, lifecycleStage: runs.lifecycleStage, status: runs.status })
    .from(runs)
    .where(eq(runs.id, runId))
    .for("share");
  if (!row) throw missing(`Run with id=${runId} not found`);
  assertWritable(row);
}
