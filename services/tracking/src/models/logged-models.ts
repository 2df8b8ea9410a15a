import { randomBytes } from "node:crypto";
import { type Db, schema } from "@tandem/db";
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import { invalid, missing } from "../errors.ts";
import { getExperiment, stringComparison } from "../experiments.ts";
import { parseFilter } from "../filter.ts";
import { num } from "../sql.ts";
import { validateKey, validateValue } from "../validate.ts";

const { loggedModels, runOutputs, runs, modelVersions, registeredModels } = schema;
type Row = typeof loggedModels.$inferSelect;

export const LOGGED_MODEL_STATUSES = [
  "LOGGED_MODEL_STATUS_UNSPECIFIED",
  "LOGGED_MODEL_PENDING",
  "LOGGED_MODEL_READY",
  "LOGGED_MODEL_UPLOAD_FAILED",
] as const;

export interface LoggedModel {
  id: string;
  experimentId: number;
  name: string;
  sourceRunId: string | null;
  modelType: string | null;
  status: string;
  statusMessage: string | null;
  lifecycleStage: string;
  creatorId: string | null;
  tags: Record<string, string>;
  params: Record<string, string>;
  creationTime: number;
  lastUpdatedTime: number;
  /** `mlflow-artifacts:/<experimentId>/models/<id>/artifacts`: the model's own artifact root. */
  artifactUri: string;
  /** Registered model versions made from it. */
  registrations: { name: string; version: number }[];
}

/** The path of a logged model's files below its experiment's artifact root. */
export const modelArtifactDir = (id: string) => `models/${id}/artifacts`;

function toModel(r: Row, registrations: LoggedModel["registrations"] = []): LoggedModel {
  return {
    ...r,
    experimentId: num(r.experimentId),
    creationTime: num(r.creationTime),
    lastUpdatedTime: num(r.lastUpdatedTime),
    artifactUri: `mlflow-artifacts:/${r.experimentId}/${modelArtifactDir(r.id)}`,
    registrations,
  };
}

async function withRegistrations(db: Db, rows: Row[]): Promise<LoggedModel[]> {
  if (!rows.length) return [];
  const regs = await db
    .select({ modelId: modelVersions.modelId, name: registeredModels.name, version: modelVersions.version })
    .from(modelVersions)
    .innerJoin(registeredModels, eq(registeredModels.id, modelVersions.registeredModelId))
    .where(
      inArray(
        modelVersions.modelId,
        rows.map((r) => r.id),
      ),
    );
  return rows.map((r) =>
    toModel(
      r,
      regs.filter((g) => g.modelId === r.id).map((g) => ({ name: g.name, version: g.version })),
    ),
  );
}

/** Model ids as MLflow makes them: `m-` and 32 hex characters. */
export function modelIdOf(raw: unknown): string {
  if (typeof raw !== "string" || raw === "") throw invalid("Missing value for required parameter 'model_id'");
  return raw;
}

const keyValues = (kind: "param" | "tag", list: unknown): Record<string, string> => {
  if (list === undefined || list === null) return {};
  if (!Array.isArray(list)) throw invalid(`Invalid value ${JSON.stringify(list)} for parameter '${kind}s' supplied`);
  const out: Record<string, string> = {};
  for (const item of list as { key?: unknown; value?: unknown }[]) {
    const key = validateKey(kind, item?.key);
    out[key] = validateValue(kind, key, item?.value ?? "");
  }
  return out;
};

export interface CreateLoggedModel {
  experimentId: number;
  name?: string;
  sourceRunId?: string;
  modelType?: string;
  params?: unknown;
  tags?: unknown;
  creatorId: string | null;
}

export async function createLoggedModel(db: Db, input: CreateLoggedModel, now = Date.now()): Promise<LoggedModel> {
  const exp = await getExperiment(db, input.experimentId);
  if (exp.lifecycleStage !== "active") throw invalid(`The experiment ${exp.id} must be in the 'active' state.`);
  if (input.sourceRunId) {
    const [run] = await db
      .select({ experimentId: runs.experimentId })
      .from(runs)
      .where(eq(runs.id, input.sourceRunId))
      .limit(1);
    if (!run) throw missing(`Run with id=${input.sourceRunId} not found`);
  }
  const id = `m-${randomBytes(16).toString("hex")}`;
  const [row] = await db
    .insert(loggedModels)
    .values({
      id,
      experimentId: exp.id,
      name: input.name || `model-${id.slice(2, 10)}`,
      sourceRunId: input.sourceRunId || null,
      modelType: input.modelType || null,
      creatorId: input.creatorId,
      params: keyValues("param", input.params),
      tags: keyValues("tag", input.tags),
      creationTime: now,
      lastUpdatedTime: now,
    })
    .returning();
  return toModel(row!);
}

export async function getLoggedModel(db: Db, id: string, allowDeleted = false): Promise<LoggedModel> {
  const [row] = await db.select().from(loggedModels).where(eq(loggedModels.id, id)).limit(1);
  if (!row || (!allowDeleted && row.lifecycleStage !== "active"))
    throw missing(`Logged model with ID '${id}' not found.`);
  return (await withRegistrations(db, [row]))[0]!;
}

/** MLflow's client sends the status as its enum name or its number. */
export function statusOf(raw: unknown): string {
  const byNumber = typeof raw === "number" || (typeof raw === "string" && /^\d+$/.test(raw));
  const s = byNumber ? LOGGED_MODEL_STATUSES[Number(raw)] : raw;
  if (typeof s !== "string" || !LOGGED_MODEL_STATUSES.includes(s as never) || s === LOGGED_MODEL_STATUSES[0])
    throw invalid(`Invalid value ${JSON.stringify(raw)} for parameter 'status' supplied`);
  return s;
}

async function touch(db: Db, id: string, set: Partial<Row>, now = Date.now()) {
  const [row] = await db
    .update(loggedModels)
    .set({ ...set, lastUpdatedTime: now })
    .where(and(eq(loggedModels.id, id), eq(loggedModels.lifecycleStage, "active")))
    .returning();
  if (!row) throw missing(`Logged model with ID '${id}' not found.`);
  return row;
}

export async function finalizeLoggedModel(db: Db, id: string, status: unknown): Promise<LoggedModel> {
  await touch(db, id, { status: statusOf(status) });
  return getLoggedModel(db, id);
}

export async function deleteLoggedModel(db: Db, id: string): Promise<void> {
  await touch(db, id, { lifecycleStage: "deleted" });
}

/** Tags and params merge into the maps in one statement, so concurrent writers do not lose keys. */
export async function setLoggedModelTags(db: Db, id: string, tags: unknown): Promise<void> {
  const add = keyValues("tag", tags);
  await touch(db, id, { tags: sql`${loggedModels.tags} || ${JSON.stringify(add)}::jsonb` as never });
}
export async function deleteLoggedModelTag(db: Db, id: string, key: string): Promise<void> {
  const model = await getLoggedModel(db, id);
  if (!(key in model.tags)) throw missing(`No tag with key '${key}' found for logged model '${id}'.`);
  await touch(db, id, { tags: sql`${loggedModels.tags} - ${key}::text` as never });
}
export async function logLoggedModelParams(db: Db, id: string, params: unknown): Promise<void> {
  const add = keyValues("param", params);
  await touch(db, id, { params: sql`${loggedModels.params} || ${JSON.stringify(add)}::jsonb` as never });
}

/** `runs/outputs`: records that a run produced these models. */
export async function logOutputs(db: Db, runId: string, models: unknown): Promise<void> {
  if (!Array.isArray(models)) throw invalid("Missing value for required parameter 'models'");
  const rows = (models as { model_id?: unknown; step?: unknown }[]).map((m) => ({
    runId,
    modelId: modelIdOf(m?.model_id),
    step: Number(m?.step ?? 0) || 0,
  }));
  if (!rows.length) return;
  const found = await db
    .select({ id: loggedModels.id })
    .from(loggedModels)
    .where(
      inArray(
        loggedModels.id,
        rows.map((r) => r.modelId),
      ),
    );
  const missingId = rows.find((r) => !found.some((f) => f.id === r.modelId));
  if (missingId) throw missing(`Logged model with ID '${missingId.modelId}' not found.`);
  await db
    .insert(runOutputs)
    .values(rows)
    .onConflictDoUpdate({ target: [runOutputs.runId, runOutputs.modelId], set: { step: sql`excluded.step` } });
}

export async function runOutputsOf(db: Db, runId: string) {
  return db
    .select({ modelId: runOutputs.modelId, step: runOutputs.step })
    .from(runOutputs)
    .where(eq(runOutputs.runId, runId));
}

export interface SearchLoggedModels {
  experimentIds: number[];
  filter?: string;
  orderBy?: { field: string; ascending: boolean }[];
  limit: number;
  offset: number;
}

const ATTRIBUTES: Record<string, SQL> = {
  name: sql`m.name`,
  model_id: sql`m.id`,
  model_type: sql`m.model_type`,
  status: sql`m.status`,
  source_run_id: sql`m.source_run_id`,
  creation_timestamp: sql`m.creation_time`,
  creation_time: sql`m.creation_time`,
  last_updated_timestamp: sql`m.last_updated_time`,
};

/** MLflow's logged-model search: attributes, `params.x`, `tags.x`, `metrics.x` (the source run's latest). */
export async function searchLoggedModels(db: Db, q: SearchLoggedModels): Promise<LoggedModel[]> {
  if (!q.experimentIds.length) return [];
  const where: SQL[] = [
    sql`m.lifecycle_stage = 'active'`,
    sql`m.experiment_id in (${sql.join(
      q.experimentIds.map((i) => sql`${i}`),
      sql`, `,
    )})`,
  ];
  for (const c of parseFilter(q.filter)) {
    if (c.type === "attribute") {
      const col = ATTRIBUTES[c.key];
      if (!col) throw invalid(`Invalid attribute key '${c.key}' specified.`);
      where.push(stringComparison(col, c.op, c.value));
    } else if (c.type === "param" || c.type === "tag") {
      where.push(
        stringComparison(sql`(m.${sql.raw(c.type === "param" ? "params" : "tags")} ->> ${c.key})`, c.op, c.value),
      );
    } else {
      where.push(
        sql`exists (select 1 from latest_metrics lm where lm.run_id = m.source_run_id and lm.key = ${c.key} and ${stringComparison(sql`lm.value`, c.op, c.value)})`,
      );
    }
  }
  const order: SQL[] = [];
  for (const o of q.orderBy ?? []) {
    const dir = sql.raw(o.ascending ? "asc" : "desc");
    if (o.field.startsWith("metrics.")) {
      order.push(
        sql`(select lm.value from latest_metrics lm where lm.run_id = m.source_run_id and lm.key = ${o.field.slice(8)}) ${dir} nulls last`,
      );
    } else {
      const col = ATTRIBUTES[o.field];
      if (!col) throw invalid(`Invalid order_by field '${o.field}'`);
      order.push(sql`${col} ${dir}`);
    }
  }
  order.push(sql`m.creation_time desc`, sql`m.id asc`);
  const rows = (await db.execute(
    sql`select m.* from logged_models m where ${sql.join(where, sql` and `)} order by ${sql.join(order, sql`, `)} limit ${q.limit} offset ${q.offset}`,
  )) as unknown;
  const list = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as Record<string, unknown>[];
  const ids = list.map((r) => String(r.id));
  if (!ids.length) return [];
  // Re-read through drizzle so columns come back typed, in the searched order.
  const typed = await db.select().from(loggedModels).where(inArray(loggedModels.id, ids));
  const byId = new Map(typed.map((r) => [r.id, r]));
  return withRegistrations(
    db,
    ids.map((i) => byId.get(i)!),
  );
}
