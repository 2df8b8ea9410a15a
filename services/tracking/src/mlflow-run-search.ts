import type { Db } from "@tandem/db";
import { and, type SQL, sql } from "drizzle-orm";
import { invalid, missing } from "./errors.ts";
import { stringComparison, type ViewType } from "./experiments.ts";
import { type Clause, type OrderBy, parseFilter, parseOrderBy } from "./filter.ts";
import { type MlflowRun, toRunInfo } from "./mlflow-runs.ts";
import { num, numOrNull, rowsOf } from "./sql.ts";
import { readValue } from "./values.ts";

/** Reading MLflow runs with their latest metrics, params and tags: one run, or a search (MLflow's filter and order). */

export async function getRun(db: Db, runId: string): Promise<MlflowRun> {
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

export async function searchRuns(db: Db, q: SearchRuns): Promise<MlflowRun[]> {
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
): Promise<MlflowRun[]> {
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
