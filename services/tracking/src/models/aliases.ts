import { type Db, schema } from "@tandem/db";
import { and, asc, desc, eq, lte } from "drizzle-orm";
import { invalid, missing } from "../errors.ts";
import { num } from "../sql.ts";
import type { Guards } from "./guard.ts";
import type { RegisteredModelRow } from "./registered-models.ts";
import { getVersion, type ModelVersion, versionOf } from "./versions.ts";

const { modelAliases, modelAliasEvents, modelVersions, users } = schema;

/** MLflow's alias rule: word characters and dashes, at most 255; `latest` and `v<N>` are reserved. */
export function validateAlias(alias: unknown): string {
  if (typeof alias !== "string" || alias === "") throw invalid("Missing value for required parameter 'alias'.");
  if (alias.length > 255 || !/^[\w-]+$/.test(alias))
    throw invalid(
      `Invalid alias name: '${alias}'. Aliases may only contain alphanumerics, underscores (_) and dashes (-), at most 255 characters.`,
    );
  if (alias.toLowerCase() === "latest") throw invalid("'latest' alias name (case insensitive) is reserved.");
  if (/^v\d+$/i.test(alias)) throw invalid(`Version alias name '${alias}' is reserved.`);
  return alias;
}

export async function setAlias(
  db: Db,
  guards: Guards,
  model: RegisteredModelRow,
  aliasRaw: unknown,
  versionRaw: unknown,
  userId: string | null,
  now = Date.now(),
): Promise<void> {
  const alias = validateAlias(aliasRaw);
  const version = versionOf(versionRaw);
  await getVersion(db, model, version);
  const [current] = await db
    .select({ version: modelAliases.version })
    .from(modelAliases)
    .where(and(eq(modelAliases.registeredModelId, model.id), eq(modelAliases.alias, alias)));
  const from = current?.version ?? null;
  if (from === version) return;
  await guards.moveAlias({ name: model.name, alias, from, to: version });
  await db.transaction(async (tx) => {
    // The version may have been deleted since it was checked: the insert's foreign key would not say, so recheck.
    const [still] = await tx
      .select({ id: modelVersions.id })
      .from(modelVersions)
      .where(and(eq(modelVersions.registeredModelId, model.id), eq(modelVersions.version, version)))
      .for("update");
    if (!still) throw missing(`Model Version (name=${model.name}, version=${version}) not found`);
    await tx
      .insert(modelAliases)
      .values({ registeredModelId: model.id, alias, version })
      .onConflictDoUpdate({ target: [modelAliases.registeredModelId, modelAliases.alias], set: { version } });
    await tx
      .insert(modelAliasEvents)
      .values({ registeredModelId: model.id, alias, fromVersion: from, toVersion: version, userId, at: now });
  });
}

export async function deleteAlias(
  db: Db,
  guards: Guards,
  model: RegisteredModelRow,
  aliasRaw: unknown,
  userId: string | null,
  now = Date.now(),
) {
  if (typeof aliasRaw !== "string" || !aliasRaw) throw invalid("Missing value for required parameter 'alias'.");
  const alias = aliasRaw;
  const [current] = await db
    .select({ version: modelAliases.version })
    .from(modelAliases)
    .where(and(eq(modelAliases.registeredModelId, model.id), eq(modelAliases.alias, alias)));
  if (!current) throw missing(`Registered model alias ${alias} not found.`);
  await guards.moveAlias({ name: model.name, alias, from: current.version, to: null });
  await db.transaction(async (tx) => {
    await tx
      .delete(modelAliases)
      .where(and(eq(modelAliases.registeredModelId, model.id), eq(modelAliases.alias, alias)));
    await tx
      .insert(modelAliasEvents)
      .values({ registeredModelId: model.id, alias, fromVersion: current.version, toVersion: null, userId, at: now });
  });
}

export async function versionByAlias(db: Db, model: RegisteredModelRow, aliasRaw: unknown): Promise<ModelVersion> {
  if (typeof aliasRaw !== "string" || !aliasRaw) throw invalid("Missing value for required parameter 'alias'.");
  const [row] = await db
    .select({ version: modelAliases.version })
    .from(modelAliases)
    .where(and(eq(modelAliases.registeredModelId, model.id), eq(modelAliases.alias, aliasRaw)));
  if (!row) throw missing(`Registered model alias ${aliasRaw} not found.`);
  return getVersion(db, model, row.version);
}

export interface AliasEvent {
  alias: string;
  fromVersion: number | null;
  toVersion: number | null;
  userId: string | null;
  userEmail: string | null;
  at: number;
}

/** Every move of a model's aliases (or one alias), oldest first. */
export async function aliasHistory(db: Db, model: RegisteredModelRow, alias?: string): Promise<AliasEvent[]> {
  const rows = await db
    .select({
      alias: modelAliasEvents.alias,
      fromVersion: modelAliasEvents.fromVersion,
      toVersion: modelAliasEvents.toVersion,
      userId: modelAliasEvents.userId,
      userEmail: users.email,
      at: modelAliasEvents.at,
    })
    .from(modelAliasEvents)
    .leftJoin(users, eq(users.id, modelAliasEvents.userId))
    .where(and(eq(modelAliasEvents.registeredModelId, model.id), alias ? eq(modelAliasEvents.alias, alias) : undefined))
    .orderBy(asc(modelAliasEvents.at), asc(modelAliasEvents.id));
  return rows.map((r) => ({ ...r, at: num(r.at) }));
}

/** Where each alias pointed at time `at` (epoch ms): "what was in production last Tuesday at 14:00". */
export async function aliasesAt(db: Db, model: RegisteredModelRow, at: number): Promise<Record<string, number>> {
  const rows = await db
    .selectDistinctOn([modelAliasEvents.alias], {
      alias: modelAliasEvents.alias,
      toVersion: modelAliasEvents.toVersion,
    })
    .from(modelAliasEvents)
    .where(and(eq(modelAliasEvents.registeredModelId, model.id), lte(modelAliasEvents.at, at)))
    .orderBy(modelAliasEvents.alias, desc(modelAliasEvents.at), desc(modelAliasEvents.id));
  return Object.fromEntries(rows.filter((r) => r.toVersion !== null).map((r) => [r.alias, r.toVersion as number]));
}
