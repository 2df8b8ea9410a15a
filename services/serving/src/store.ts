import { type Db, type ServedVersion, schema } from "@tandem/db";
import type { DeploymentHistoryEntry, DeploymentStatus } from "@tandem/protocol";
import { and, desc, eq, inArray, or } from "drizzle-orm";
import { notFound } from "./errors.ts";

const { deployments, deploymentHistory, registeredModels } = schema;

export type DeploymentRow = typeof deployments.$inferSelect & { model: string };

const withModel = { d: deployments, model: registeredModels.name };
const joined = (db: Db) =>
  db
    .select(withModel)
    .from(deployments)
    .innerJoin(registeredModels, eq(registeredModels.id, deployments.registeredModelId));
const flat = (r: { d: typeof deployments.$inferSelect; model: string }): DeploymentRow => ({ ...r.d, model: r.model });

export async function deploymentRow(db: Db, idOrName: string): Promise<DeploymentRow> {
  const uuid = /^[0-9a-f-]{36}$/i.test(idOrName);
  const [r] = await joined(db)
    .where(uuid ? or(eq(deployments.id, idOrName), eq(deployments.name, idOrName)) : eq(deployments.name, idOrName))
    .limit(1);
  if (!r) throw notFound("Deployment");
  return flat(r);
}

export async function deploymentRows(
  db: Db,
  where?: { projectId?: string; modelName?: string },
): Promise<DeploymentRow[]> {
  const conds = [
    where?.projectId ? eq(deployments.projectId, where.projectId) : undefined,
    where?.modelName ? eq(registeredModels.name, where.modelName) : undefined,
  ].filter((c) => c !== undefined);
  const q = joined(db);
  return (await (conds.length ? q.where(and(...conds)) : q).orderBy(deployments.name)).map(flat);
}

export async function setState(
  db: Db,
  id: string,
  set: {
    status?: DeploymentStatus;
    reason?: string | null;
    serving?: ServedVersion[];
    desired?: "running" | "stopped";
  },
) {
  await db
    .update(deployments)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(deployments.id, id));
}

export async function record(
  db: Db,
  deploymentId: string,
  entry: { userId: string | null; action: string; versions: number[]; detail?: string | null },
) {
  await db.insert(deploymentHistory).values({ deploymentId, ...entry, detail: entry.detail ?? null });
}

export async function history(db: Db, deploymentId: string): Promise<DeploymentHistoryEntry[]> {
  const rows = await db
    .select()
    .from(deploymentHistory)
    .where(eq(deploymentHistory.deploymentId, deploymentId))
    .orderBy(desc(deploymentHistory.id));
  return rows.map((r) => ({
    at: r.at.toISOString(),
    userId: r.userId,
    action: r.action,
    versions: r.versions,
    detail: r.detail,
  }));
}

/** Deployments that serve, pin or follow something of these models (for the registry's guard). */
export async function deploymentsOfModel(db: Db, modelName: string) {
  return deploymentRows(db, { modelName });
}

export async function running(db: Db): Promise<DeploymentRow[]> {
  return (await joined(db).where(inArray(deployments.desired, ["running"]))).map(flat);
}
