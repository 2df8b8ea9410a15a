import { type Db, schema } from "@tandem/db";
import { and, asc, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { exists, invalid, missing } from "./errors.ts";
import { parseFilter, parseOrderBy } from "./filter.ts";

const { experiments, runs } = schema;
export type ExperimentRow = typeof experiments.$inferSelect;

export interface Experiment extends ExperimentRow {
  /**
   * As MLflow reads it back: the client's `artifact_location` if it gave one, else the proxied store's root.
   * Runs' files go to the proxied store either way (`mlflow-artifacts:/<id>/<run>/artifacts`).
   */
  artifactLocation: string;
}

export const toExperiment = (row: ExperimentRow): Experiment => ({
  ...row,
  artifactLocation: row.artifactLocation ?? `mlflow-artifacts:/${row.id}`,
});

export type ViewType = "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";

/** Parses an experiment id as the wire carries it; anything else is simply not found. */
export function experimentIdOf(raw: unknown): number {
  const s = typeof raw === "number" ? String(raw) : raw;
  if (typeof s !== "string" || s === "") throw invalid("Missing value for required parameter 'experiment_id'");
  if (!/^\d{1,15}$/.test(s)) throw missing(`No Experiment with id=${s} exists`);
  return Number(s);
}

export async function getExperiment(db: Db, id: number): Promise<Experiment> {
  const [row] = await db.select().from(experiments).where(eq(experiments.id, id)).limit(1);
  if (!row) throw missing(`No Experiment with id=${id} exists`);
  return toExperiment(row);
}

export interface CreateExperiment {
  projectId: string;
  name: string;
  userId: string | null;
  tags?: Record<string, string>;
  notebookId?: string | null;
  /** MLflow's `artifact_location`; `runs:/` URIs are refused, as MLflow does. */
  artifactLocation?: string | null;
}

export async function createExperiment(db: Db, input: CreateExperiment): Promise<Experiment> {
  const name = input.name?.trim();
  if (!name) throw invalid("Invalid experiment name: ''. Names must be non-empty.");
  const location = input.artifactLocation || null;
  if (location?.startsWith("runs:")) throw invalid(`Artifact location cannot be a runs:/ URI. Given: '${location}'`);
  if (location && location.length > 2048)
    throw invalid(
      "Invalid artifact path length. The length of the artifact path cannot be greater than 2048 characters.",
    );
  const now = Date.now();
  const [row] = await db
    .insert(experiments)
    .values({
      projectId: input.projectId,
      name,
      notebookId: input.notebookId ?? null,
      tags: input.tags ?? {},
      artifactLocation: location,
      createdBy: input.userId,
      creationTime: now,
      lastUpdateTime: now,
    })
    .onConflictDoNothing({ target: [experiments.projectId, experiments.name] })
    .returning();
  // MLflow counts deleted experiments too: a name stays taken until the experiment is purged.
  if (!row) throw exists(`Experiment(name=${name}) already exists. Error: name is taken in this project`);
  return toExperiment(row);
}

/** Finds an experiment by name among the given projects (newest first when several match). */
export async function experimentByName(db: Db, name: string, projectIds: string[] | null): Promise<Experiment> {
  const where = projectIds
    ? and(
        eq(experiments.name, name),
        inArray(experiments.projectId, projectIds.length ? projectIds : ["00000000-0000-0000-0000-000000000000"]),
      )
    : eq(experiments.name, name);
  const [row] = await db.select().from(experiments).where(where).orderBy(desc(experiments.id)).limit(1);
  if (!row) throw missing(`Could not find experiment with name '${name}'`);
  return toExperiment(row);
}

export async function renameExperiment(db: Db, exp: Experiment, newName: string): Promise<void> {
  const name = newName?.trim();
  if (!name) throw invalid("Missing value for required parameter 'new_name'");
  if (exp.lifecycleStage !== "active") throw invalid("Cannot rename a non-active experiment.");
  if (name === exp.name) return;
  const [taken] = await db
    .select({ id: experiments.id })
    .from(experiments)
    .where(and(eq(experiments.projectId, exp.projectId), eq(experiments.name, name)))
    .limit(1);
  if (taken) throw exists(`Experiment(name=${name}) already exists.`);
  await db.update(experiments).set({ name, lastUpdateTime: Date.now() }).where(eq(experiments.id, exp.id));
}

/** Deleting (or restoring) an experiment does the same to its runs, as MLflow does; one transaction. */
export async function setExperimentStage(db: Db, exp: Experiment, stage: "active" | "deleted"): Promise<void> {
  if (stage === "deleted" && exp.lifecycleStage === "deleted")
    throw invalid(`Cannot delete an already deleted experiment: ${exp.id}`);
  if (stage === "active" && exp.lifecycleStage === "active")
    throw invalid(`Cannot restore an experiment that is not deleted: ${exp.id}`);
  const now = Date.now();
  await db.transaction(async (tx) => {
    await tx.update(experiments).set({ lifecycleStage: stage, lastUpdateTime: now }).where(eq(experiments.id, exp.id));
    await tx
      .update(runs)
      .set({ lifecycleStage: stage, deletedTime: stage === "deleted" ? now : null })
      .where(and(eq(runs.experimentId, exp.id), eq(runs.lifecycleStage, stage === "deleted" ? "active" : "deleted")));
  });
}

export async function deleteExperimentTag(db: Db, exp: Experiment, key: string): Promise<void> {
  if (exp.lifecycleStage !== "active") throw invalid(`The experiment ${exp.id} must be in the 'active' state.`);
  if (!(key in exp.tags)) throw missing(`No tag with name: ${key} in experiment with id ${exp.id}`);
  await db
    .update(experiments)
    .set({ tags: sql`${experiments.tags} - ${key}::text`, lastUpdateTime: Date.now() })
    .where(eq(experiments.id, exp.id));
}

export async function setExperimentTag(db: Db, exp: Experiment, key: string, value: string): Promise<void> {
  if (exp.lifecycleStage !== "active") throw invalid(`The experiment ${exp.id} must be in the 'active' state.`);
  await db
    .update(experiments)
    .set({
      tags: sql`${experiments.tags} || jsonb_build_object(${key}::text, ${value}::text)`,
      lastUpdateTime: Date.now(),
    })
    .where(eq(experiments.id, exp.id));
}

export interface SearchExperiments {
  projectIds: string[] | null;
  viewType?: ViewType;
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  offset?: number;
}

const experimentColumn: Record<string, SQL | typeof experiments.id> = {
  name: sql`${experiments.name}`,
  experiment_id: experiments.id,
  creation_time: sql`${experiments.creationTime}`,
  last_update_time: sql`${experiments.lastUpdateTime}`,
};

export async function searchExperiments(db: Db, q: SearchExperiments): Promise<Experiment[]> {
  const where: SQL[] = [];
  if (q.projectIds) where.push(q.projectIds.length ? inArray(experiments.projectId, q.projectIds) : sql`false`);
  const view = q.viewType ?? "ACTIVE_ONLY";
  if (view === "ACTIVE_ONLY") where.push(eq(experiments.lifecycleStage, "active"));
  if (view === "DELETED_ONLY") where.push(eq(experiments.lifecycleStage, "deleted"));
  for (const c of parseFilter(q.filter)) {
    if (c.type === "tag") {
      const v = sql`${experiments.tags} ->> ${c.key}`;
      where.push(stringComparison(v, c.op, c.value));
    } else if (c.type === "attribute" && experimentColumn[c.key]) {
      where.push(stringComparison(sql`${experimentColumn[c.key]}`, c.op, c.value));
    } else throw invalid(`Invalid attribute key '${c.key}' for experiment search`);
  }
  const order: SQL[] = parseOrderBy(q.orderBy).map((o) => {
    const col = o.type === "attribute" ? experimentColumn[o.key] : undefined;
    if (!col) throw invalid(`Invalid order_by clause for experiments: '${o.key}'`);
    return o.ascending ? asc(col) : desc(col);
  });
  order.push(desc(experiments.creationTime), asc(experiments.id));
  const rows = await db
    .select()
    .from(experiments)
    .where(and(...where))
    .orderBy(...order)
    .limit(q.maxResults ?? 1000)
    .offset(q.offset ?? 0);
  return rows.map(toExperiment);
}

/** `col <op> value` for string-ish comparisons (names, tags, params, attributes). */
export function stringComparison(col: SQL, op: string, value: string | number | string[]): SQL {
  if (Array.isArray(value)) {
    const list = sql.join(
      value.map((v) => sql`${v}`),
      sql`, `,
    );
    return op === "IN" ? sql`${col} in (${list})` : sql`${col} not in (${list})`;
  }
  switch (op) {
    case "=":
      return sql`${col} = ${value}`;
    case "!=":
      return sql`${col} <> ${value}`;
    case "<":
      return sql`${col} < ${value}`;
    case "<=":
      return sql`${col} <= ${value}`;
    case ">":
      return sql`${col} > ${value}`;
    case ">=":
      return sql`${col} >= ${value}`;
    case "LIKE":
      return sql`${col} like ${value}`;
    case "ILIKE":
      return sql`${col} ilike ${value}`;
    default:
      throw invalid(`Invalid comparator '${op}'`);
  }
}
