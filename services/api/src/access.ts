import { type Db, schema } from "@tandem/db";
import type { Role } from "@tandem/protocol";
import { and, eq } from "drizzle-orm";
import type { Identity } from "./auth/identity.ts";
import { capKernelRole } from "./auth/kernel-scope.ts";
import { forbidden, notFound } from "./errors.ts";

const rank: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };

export function roleAtLeast(role: Role, needed: Role): boolean {
  return rank[role] >= rank[needed];
}

/** The caller's role in a project, or null when they have none (or their token is scoped elsewhere). */
export async function projectRole(db: Db, who: Identity, projectId: string): Promise<Role | null> {
  if (who.projectScope && who.projectScope !== projectId) return null;
  // A kernel's token never acts as more than an editor (its holder's admin rights included).
  if (who.kind === "kernel") return capKernelRole(who.user.isAdmin ? "owner" : await memberRole(db, who, projectId));
  if (who.user.isAdmin) return "owner";
  return memberRole(db, who, projectId);
}

async function memberRole(db: Db, who: Identity, projectId: string): Promise<Role | null> {
  const [row] = await db
    .select({ role: schema.projectMembers.role })
    .from(schema.projectMembers)
    .where(and(eq(schema.projectMembers.projectId, projectId), eq(schema.projectMembers.userId, who.user.id)))
    .limit(1);
  return row?.role ?? null;
}

type ProjectRow = typeof schema.projects.$inferSelect;
type NotebookRow = typeof schema.notebooks.$inferSelect;

/**
 * Loads a project the caller may reach with at least `needed`. Someone with no role at all gets
 * 404 (existence is not revealed); a member with too small a role gets 403.
 */
export async function requireProject(
  db: Db,
  who: Identity,
  projectId: string,
  needed: Role,
): Promise<{ project: ProjectRow; role: Role }> {
  const [project] = await db.select().from(schema.projects).where(eq(schema.projects.id, projectId)).limit(1);
  const role = project ? await projectRole(db, who, projectId) : null;
  if (!project || !role) throw notFound("Project");
  if (!roleAtLeast(role, needed)) throw forbidden(`This needs the ${needed} role in the project; you are ${role}`);
  return { project, role };
}

/** As requireProject, for a notebook through its project. */
export async function requireNotebook(
  db: Db,
  who: Identity,
  notebookId: string,
  needed: Role,
): Promise<{ notebook: NotebookRow; role: Role }> {
  const [notebook] = await db.select().from(schema.notebooks).where(eq(schema.notebooks.id, notebookId)).limit(1);
  const role = notebook ? await projectRole(db, who, notebook.projectId) : null;
  if (!notebook || !role) throw notFound("Notebook");
  if (!roleAtLeast(role, needed)) throw forbidden(`This needs the ${needed} role in the project; you are ${role}`);
  // A run's document records what ran: nobody edits it, whatever their role.
  if (notebook.kind === "run" && needed !== "viewer")
    throw forbidden("This is a run's document, which is read-only; re-run the run instead");
  return { notebook, role };
}

/** The caller's role on a notebook, or null (for WebSocket upgrades, which answer with close codes). */
export async function notebookRole(db: Db, who: Identity, notebookId: string): Promise<Role | null> {
  const [notebook] = await db
    .select({ projectId: schema.notebooks.projectId, kind: schema.notebooks.kind })
    .from(schema.notebooks)
    .where(eq(schema.notebooks.id, notebookId))
    .limit(1);
  if (!notebook) return null;
  const role = await projectRole(db, who, notebook.projectId);
  // A run's document is read-only for everyone (only the server writes its outputs).
  return role && notebook.kind === "run" ? "viewer" : role;
}
