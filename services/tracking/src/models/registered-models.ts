import { type Db, schema } from "@tandem/db";
import { eq, inArray, type SQL, sql } from "drizzle-orm";
import { exists, invalid, missing } from "../errors.ts";
import { stringComparison } from "../experiments.ts";
import { parseFilter, parseOrderBy } from "../filter.ts";
import { num, rowsOf } from "../sql.ts";
import { validateKey, validateValue } from "../validate.ts";

const { registeredModels, modelAliases } = schema;
export type RegisteredModelRow = typeof registeredModels.$inferSelect;

export interface RegisteredModel extends RegisteredModelRow {
  aliases: { alias: string; version: number }[];
}

/** MLflow's rule: a name, non-empty, that cannot be mistaken for a path or a URI. */
export function validateModelName(name: unknown): string {
  if (typeof name !== "string" || name.trim() === "") throw invalid("Missing value for required parameter 'name'.");
  if (name.length > 256 || /[/\\%:]|^\.|\.\.$/.test(name) || name.includes(".."))
    throw invalid(`Invalid model name: '${name}'. Names may not contain '/', '\\', '%', ':' or '..'.`);
  return name;
}

const fresh = (row: RegisteredModelRow): RegisteredModelRow => ({
  ...row,
  creationTime: num(row.creationTime),
  lastUpdatedTime: num(row.lastUpdatedTime),
});

export async function aliasesOf(db: Db, ids: string[]) {
  if (!ids.length) return [];
  return db.select().from(modelAliases).where(inArray(modelAliases.registeredModelId, ids));
}

async function withAliases(db: Db, rows: RegisteredModelRow[]): Promise<RegisteredModel[]> {
  const aliases = await aliasesOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    ...fresh(r),
    aliases: aliases
      .filter((a) => a.registeredModelId === r.id)
      .map((a) => ({ alias: a.alias, version: a.version }))
      .sort((a, b) => a.alias.localeCompare(b.alias)),
  }));
}

export function tagMap(list: unknown): Record<string, string> {
  if (list === undefined || list === null) return {};
  if (!Array.isArray(list)) throw invalid(`Invalid value ${JSON.stringify(list)} for parameter 'tags' supplied`);
  const out: Record<string, string> = {};
  for (const t of list as { key?: unknown; value?: unknown }[]) {
    const key = validateKey("tag", t?.key);
    out[key] = validateValue("tag", key, t?.value ?? "");
  }
  return out;
}

export interface CreateRegisteredModel {
  projectId: string;
  name: unknown;
  description?: string;
  tags?: unknown;
  userId: string | null;
}

export async function createRegisteredModel(
  db: Db,
  input: CreateRegisteredModel,
  now = Date.now(),
): Promise<RegisteredModel> {
  const name = validateModelName(input.name);
  const tags = tagMap(input.tags);
  const [row] = await db
    .insert(registeredModels)
    .values({
      projectId: input.projectId,
      name,
      description: input.description ?? "",
      tags,
      createdBy: input.userId,
      creationTime: now,
      lastUpdatedTime: now,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw exists(`Registered Model (name=${name}) already exists.`);
  return { ...fresh(row), aliases: [] };
}

export async function registeredModelRow(db: Db, name: unknown): Promise<RegisteredModelRow> {
  if (typeof name !== "string" || name === "") throw invalid("Missing value for required parameter 'name'.");
  const [row] = await db.select().from(registeredModels).where(eq(registeredModels.name, name)).limit(1);
  if (!row) throw missing(`Registered Model with name=${name} not found`);
  return fresh(row);
}

export async function registeredModelById(db: Db, id: string): Promise<RegisteredModel> {
  const [row] = await db.select().from(registeredModels).where(eq(registeredModels.id, id)).limit(1);
  if (!row) throw missing(`Registered Model with id=${id} not found`);
  return (await withAliases(db, [row]))[0]!;
}

export async function getRegisteredModel(db: Db, name: unknown): Promise<RegisteredModel> {
  return (await withAliases(db, [await registeredModelRow(db, name)]))[0]!;
}

export async function updateRegisteredModel(db: Db, row: RegisteredModelRow, set: Partial<RegisteredModelRow>) {
  const now = Date.now();
  try {
    const [updated] = await db
      .update(registeredModels)
      .set({ ...set, lastUpdatedTime: now })
      .where(eq(registeredModels.id, row.id))
      .returning();
    return (await withAliases(db, [updated!]))[0]!;
  } catch (err) {
    if (set.name && /registered_models_name_key|unique/i.test(String((err as Error)?.message ?? err)))
      throw exists(`Registered Model (name=${set.name}) already exists.`);
    throw err;
  }
}

export async function setRegisteredModelTag(db: Db, row: RegisteredModelRow, key: unknown, value: unknown) {
  const k = validateKey("tag", key);
  const v = validateValue("tag", k, value);
  await db
    .update(registeredModels)
    .set({ tags: sql`${registeredModels.tags} || ${JSON.stringify({ [k]: v })}::jsonb`, lastUpdatedTime: Date.now() })
    .where(eq(registeredModels.id, row.id));
}

export async function deleteRegisteredModelTag(db: Db, row: RegisteredModelRow, key: string) {
  await db
    .update(registeredModels)
    .set({ tags: sql`${registeredModels.tags} - ${key}::text`, lastUpdatedTime: Date.now() })
    .where(eq(registeredModels.id, row.id));
}

export async function deleteRegisteredModel(db: Db, row: RegisteredModelRow) {
  await db.delete(registeredModels).where(eq(registeredModels.id, row.id));
}

export interface SearchRegisteredModels {
  /** Projects the caller reads; null for all. */
  projectIds: string[] | null;
  filter?: string;
  orderBy?: string[];
  limit: number;
  offset: number;
}

const RM_ORDER: Record<string, SQL> = {
  name: sql`m.name`,
  timestamp: sql`m.last_updated_time`,
  last_updated_timestamp: sql`m.last_updated_time`,
  creation_timestamp: sql`m.creation_time`,
};

export async function searchRegisteredModels(db: Db, q: SearchRegisteredModels): Promise<RegisteredModel[]> {
  const where: SQL[] = [sql`true`];
  if (q.projectIds) {
    if (!q.projectIds.length) return [];
    where.push(
      sql`m.project_id in (${sql.join(
        q.projectIds.map((p) => sql`${p}::uuid`),
        sql`, `,
      )})`,
    );
  }
  for (const c of parseFilter(q.filter)) {
    if (c.type === "attribute" && c.key === "name") where.push(stringComparison(sql`m.name`, c.op, c.value));
    else if (c.type === "tag") where.push(stringComparison(sql`(m.tags ->> ${c.key})`, c.op, c.value));
    else throw invalid(`Invalid attribute key '${c.key}' specified. Valid keys are '{'name'}'`);
  }
  const order = parseOrderBy(q.orderBy).map((o) => {
    const col = o.type === "attribute" ? RM_ORDER[o.key] : undefined;
    if (!col) throw invalid(`Invalid order by key '${o.key}' specified.`);
    return sql`${col} ${sql.raw(o.ascending ? "asc" : "desc")}`;
  });
  order.push(sql`m.name asc`);
  const ids = await rowsOf<{ id: string }>(
    db,
    sql`select m.id from registered_models m where ${sql.join(where, sql` and `)}
        order by ${sql.join(order, sql`, `)} limit ${q.limit} offset ${q.offset}`,
  );
  if (!ids.length) return [];
  const rows = await db
    .select()
    .from(registeredModels)
    .where(
      inArray(
        registeredModels.id,
        ids.map((r) => r.id),
      ),
    );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return withAliases(
    db,
    ids.map((r) => byId.get(r.id)!),
  );
}
