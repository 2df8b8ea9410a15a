import { type Db, schema } from "@tandem/db";
import { and, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { invalid, missing } from "../errors.ts";
import { stringComparison } from "../experiments.ts";
import { parseFilter, parseOrderBy } from "../filter.ts";
import { num, rowsOf } from "../sql.ts";
import { validateKey, validateValue } from "../validate.ts";
import type { Guards } from "./guard.ts";
import { modelArtifactDir } from "./logged-models.ts";
import { type RegisteredModelRow, tagMap } from "./registered-models.ts";

const {
  modelVersions,
  registeredModels,
  modelAliases,
  modelAliasEvents,
  loggedModels,
  runs,
  experiments,
  latestMetrics,
} = schema;
type VersionRow = typeof modelVersions.$inferSelect;

export interface ModelVersion extends VersionRow {
  name: string;
  projectId: string;
  aliases: string[];
}

export const STAGES = ["None", "Staging", "Production", "Archived"] as const;

export function versionOf(raw: unknown): number {
  const s = typeof raw === "number" ? String(raw) : raw;
  if (typeof s !== "string" || s === "") throw invalid("Missing value for required parameter 'version'.");
  if (!/^\d{1,9}$/.test(s)) throw invalid(`Parameter 'version' must be an integer, got '${s}'.`);
  return Number(s);
}

async function decorate(db: Db, rows: { v: VersionRow; name: string; projectId: string }[]): Promise<ModelVersion[]> {
  if (!rows.length) return [];
  const models = [...new Set(rows.map((r) => r.v.registeredModelId))];
  const aliases = await db.select().from(modelAliases).where(inArray(modelAliases.registeredModelId, models));
  return rows.map(({ v, name, projectId }) => ({
    ...v,
    creationTime: num(v.creationTime),
    lastUpdatedTime: num(v.lastUpdatedTime),
    name,
    projectId,
    aliases: aliases
      .filter((a) => a.registeredModelId === v.registeredModelId && a.version === v.version)
      .map((a) => a.alias)
      .sort(),
  }));
}

const selectVersions = (db: Db) =>
  db
    .select({ v: modelVersions, name: registeredModels.name, projectId: registeredModels.projectId })
    .from(modelVersions)
    .innerJoin(registeredModels, eq(registeredModels.id, modelVersions.registeredModelId));

export async function getVersion(db: Db, model: RegisteredModelRow, version: number): Promise<ModelVersion> {
  const rows = await selectVersions(db)
    .where(and(eq(modelVersions.registeredModelId, model.id), eq(modelVersions.version, version)))
    .limit(1);
  if (!rows.length) throw missing(`Model Version (name=${model.name}, version=${version}) not found`);
  return (await decorate(db, rows))[0]!;
}

export async function versionById(db: Db, id: string): Promise<ModelVersion> {
  const rows = /^[0-9a-f-]{36}$/i.test(id) ? await selectVersions(db).where(eq(modelVersions.id, id)).limit(1) : [];
  if (!rows.length) throw missing(`Model version ${id} not found`);
  return (await decorate(db, rows))[0]!;
}

/** What a version is made from: its logged model and run, and the projects they belong to (for access checks). */
export interface ResolvedSource {
  source: string;
  runId: string | null;
  modelId: string | null;
  /** Projects the caller must be able to read. */
  projectIds: string[];
}

/**
 * Checks a version's source before anything is written: `models:/<model_id>`, a logged model's
 * artifact root, `runs:/<run_id>/path` or any URI; a named run or logged model must exist; no `..`.
 */
export async function resolveSource(
  db: Db,
  input: { source: unknown; runId?: unknown; modelId?: unknown },
): Promise<ResolvedSource> {
  if (typeof input.source !== "string" || input.source === "")
    throw invalid("Missing value for required parameter 'source'.");
  const source = input.source;
  let path = source;
  try {
    path = decodeURIComponent(source);
  } catch {}
  if (path.split(/[/\\]/).includes("..")) throw invalid(`Invalid model version source: '${source}'.`);
  let modelId = typeof input.modelId === "string" && input.modelId ? input.modelId : null;
  let runId = typeof input.runId === "string" && input.runId ? input.runId : null;
  const fromModels = /^models:\/(m-[0-9a-f]{32})\/?$/.exec(source);
  const fromRoot = /^mlflow-artifacts:\/\d+\/models\/(m-[0-9a-f]{32})\/artifacts\/?/.exec(source);
  const fromRuns = /^runs:\/([0-9a-f]{32})\//.exec(source);
  modelId ??= fromModels?.[1] ?? fromRoot?.[1] ?? null;
  runId ??= fromRuns?.[1] ?? null;
  const projectIds: string[] = [];
  if (modelId) {
    const [m] = await db
      .select({
        projectId: experiments.projectId,
        runId: loggedModels.sourceRunId,
        experimentId: loggedModels.experimentId,
      })
      .from(loggedModels)
      .innerJoin(experiments, eq(experiments.id, loggedModels.experimentId))
      .where(and(eq(loggedModels.id, modelId), eq(loggedModels.lifecycleStage, "active")))
      .limit(1);
    if (!m) throw missing(`Logged model with ID '${modelId}' not found.`);
    projectIds.push(m.projectId);
    runId ??= m.runId;
  }
  if (runId) {
    const [r] = await db
      .select({ projectId: experiments.projectId })
      .from(runs)
      .innerJoin(experiments, eq(experiments.id, runs.experimentId))
      .where(eq(runs.id, runId))
      .limit(1);
    if (!r) throw missing(`Run with id=${runId} not found`);
    projectIds.push(r.projectId);
  }
  return { source, runId, modelId, projectIds: [...new Set(projectIds)] };
}

export interface CreateVersion {
  model: RegisteredModelRow;
  resolved: ResolvedSource;
  tags?: unknown;
  description?: string;
  runLink?: string;
  userId: string | null;
  userName: string;
}

export async function createVersion(db: Db, input: CreateVersion, now = Date.now()): Promise<ModelVersion> {
  const tags = tagMap(input.tags);
  const { resolved } = input;
  const version = await db.transaction(async (tx) => {
    // The model row's lock serialises version numbers.
    const [m] = await tx
      .update(registeredModels)
      .set({ nextVersion: sql`${registeredModels.nextVersion} + 1`, lastUpdatedTime: now })
      .where(eq(registeredModels.id, input.model.id))
      .returning({ next: registeredModels.nextVersion });
    if (!m) throw missing(`Registered Model with name=${input.model.name} not found`);
    const v = m.next - 1;
    await tx.insert(modelVersions).values({
      registeredModelId: input.model.id,
      version: v,
      source: resolved.source,
      runId: resolved.runId,
      modelId: resolved.modelId,
      description: input.description ?? "",
      runLink: input.runLink ?? "",
      tags,
      createdBy: input.userId,
      userName: input.userName,
      creationTime: now,
      lastUpdatedTime: now,
    });
    return v;
  });
  return getVersion(db, input.model, version);
}

export async function updateVersion(db: Db, v: ModelVersion, set: Partial<VersionRow>): Promise<void> {
  await db
    .update(modelVersions)
    .set({ ...set, lastUpdatedTime: Date.now() })
    .where(eq(modelVersions.id, v.id));
}

export async function setVersionTag(db: Db, v: ModelVersion, key: unknown, value: unknown) {
  const k = validateKey("tag", key);
  const val = validateValue("tag", k, value);
  await updateVersion(db, v, { tags: sql`${modelVersions.tags} || ${JSON.stringify({ [k]: val })}::jsonb` as never });
}

export async function deleteVersionTag(db: Db, v: ModelVersion, key: string) {
  await updateVersion(db, v, { tags: sql`${modelVersions.tags} - ${key}::text` as never });
}

/** MLflow's stage transition; `archive_existing_versions` archives the others in Staging/Production. */
export async function transitionStage(db: Db, v: ModelVersion, stage: unknown, archiveExisting: boolean) {
  const s = STAGES.find((x) => x.toLowerCase() === String(stage ?? "").toLowerCase());
  if (!s) throw invalid(`Invalid Model Version stage: ${String(stage)}. Value must be one of ${STAGES.join(", ")}.`);
  await db.transaction(async (tx) => {
    const now = Date.now();
    if (archiveExisting && (s === "Staging" || s === "Production"))
      await tx
        .update(modelVersions)
        .set({ currentStage: "Archived", lastUpdatedTime: now })
        .where(
          and(
            eq(modelVersions.registeredModelId, v.registeredModelId),
            eq(modelVersions.currentStage, s),
            sql`${modelVersions.version} <> ${v.version}`,
          ),
        );
    await tx.update(modelVersions).set({ currentStage: s, lastUpdatedTime: now }).where(eq(modelVersions.id, v.id));
  });
}

/** Deletes a version and the aliases on it (each recorded as an alias move), unless a guard refuses. */
export async function deleteVersion(db: Db, guards: Guards, v: ModelVersion, userId: string | null) {
  await guards.deleteVersion({ name: v.name, version: v.version });
  for (const alias of v.aliases) await guards.moveAlias({ name: v.name, alias, from: v.version, to: null });
  await db.transaction(async (tx) => {
    const now = Date.now();
    if (v.aliases.length)
      await tx.insert(modelAliasEvents).values(
        v.aliases.map((alias) => ({
          registeredModelId: v.registeredModelId,
          alias,
          fromVersion: v.version,
          toVersion: null,
          userId,
          at: now,
        })),
      );
    await tx
      .delete(modelAliases)
      .where(and(eq(modelAliases.registeredModelId, v.registeredModelId), eq(modelAliases.version, v.version)));
    await tx.delete(modelVersions).where(eq(modelVersions.id, v.id));
  });
}

/** The newest version in each stage (or in the stages asked for), as MLflow's get-latest-versions. */
export async function latestVersions(db: Db, model: RegisteredModelRow, stages: string[]): Promise<ModelVersion[]> {
  const rows = await selectVersions(db)
    .where(eq(modelVersions.registeredModelId, model.id))
    .orderBy(desc(modelVersions.version));
  const wanted = stages.map((s) => s.toLowerCase());
  const seen = new Set<string>();
  const picked = rows.filter(({ v }) => {
    const stage = v.currentStage.toLowerCase();
    if ((wanted.length && !wanted.includes(stage)) || seen.has(stage)) return false;
    seen.add(stage);
    return true;
  });
  return decorate(db, picked);
}

export interface SearchVersions {
  projectIds: string[] | null;
  filter?: string;
  orderBy?: string[];
  limit: number;
  offset: number;
  /** Only this model's versions (Tandem's own listing). */
  registeredModelId?: string;
}

const MV_ATTRIBUTES: Record<string, SQL> = {
  name: sql`m.name`,
  run_id: sql`v.run_id`,
  source_path: sql`v.source`,
  model_id: sql`v.model_id`,
  current_stage: sql`v.current_stage`,
};
const MV_ORDER: Record<string, SQL> = {
  name: sql`m.name`,
  version_number: sql`v.version`,
  creation_timestamp: sql`v.creation_time`,
  last_updated_timestamp: sql`v.last_updated_time`,
  timestamp: sql`v.last_updated_time`,
};

export async function searchVersions(db: Db, q: SearchVersions): Promise<ModelVersion[]> {
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
  if (q.registeredModelId) where.push(sql`v.registered_model_id = ${q.registeredModelId}::uuid`);
  for (const c of parseFilter(q.filter)) {
    if (c.type === "tag") where.push(stringComparison(sql`(v.tags ->> ${c.key})`, c.op, c.value));
    else if (c.type === "attribute" && c.key === "version_number") {
      const n = Number(c.value);
      if (!Number.isInteger(n) || Array.isArray(c.value))
        throw invalid(`Invalid value '${String(c.value)}' for version_number.`);
      where.push(stringComparison(sql`v.version`, c.op, n));
    } else if (c.type === "attribute" && MV_ATTRIBUTES[c.key])
      where.push(stringComparison(MV_ATTRIBUTES[c.key]!, c.op, c.value));
    else
      throw invalid(
        `Invalid attribute key '${c.key}' specified. Valid keys are '{'name', 'run_id', 'source_path', 'version_number', 'tags'}'`,
      );
  }
  const order = parseOrderBy(q.orderBy).map((o) => {
    const col = o.type === "attribute" ? MV_ORDER[o.key] : undefined;
    if (!col) throw invalid(`Invalid order by key '${o.key}' specified.`);
    return sql`${col} ${sql.raw(o.ascending ? "asc" : "desc")}`;
  });
  order.push(sql`m.name asc`, sql`v.version desc`);
  const ids = await rowsOf<{ id: string }>(
    db,
    sql`select v.id from model_versions v join registered_models m on m.id = v.registered_model_id
        where ${sql.join(where, sql` and `)} order by ${sql.join(order, sql`, `)} limit ${q.limit} offset ${q.offset}`,
  );
  if (!ids.length) return [];
  const rows = await selectVersions(db).where(
    inArray(
      modelVersions.id,
      ids.map((r) => r.id),
    ),
  );
  const byId = new Map(rows.map((r) => [r.v.id, r]));
  return decorate(
    db,
    ids.map((r) => byId.get(r.id)!),
  );
}

/** Where a version's files are: its logged model's artifact root, or its source as given. */
export async function downloadUri(db: Db, v: ModelVersion): Promise<string> {
  if (v.modelId) {
    const [m] = await db
      .select({ experimentId: loggedModels.experimentId })
      .from(loggedModels)
      .where(eq(loggedModels.id, v.modelId))
      .limit(1);
    if (m) return `mlflow-artifacts:/${m.experimentId}/${modelArtifactDir(v.modelId)}`;
  }
  return v.source;
}

/** The latest metrics of each run (for versions' metrics side by side). */
export async function runMetrics(db: Db, runIds: string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  if (!runIds.length) return out;
  const rows = await db
    .select({
      runId: latestMetrics.runId,
      key: latestMetrics.key,
      value: latestMetrics.value,
      isNan: latestMetrics.isNan,
    })
    .from(latestMetrics)
    .where(inArray(latestMetrics.runId, runIds));
  for (const r of rows) {
    if (r.isNan) continue;
    const m = out.get(r.runId) ?? {};
    m[r.key] = r.value;
    out.set(r.runId, m);
  }
  return out;
}
