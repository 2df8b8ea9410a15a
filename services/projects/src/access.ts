import { type Db, schema } from "@tandem/db";
import type { Role } from "@tandem/protocol";
import { eq } from "drizzle-orm";
import { forbidden, notFound } from "./errors.ts";
import { EDITING_ROLES, memberProjects, memberRole } from "./membership.ts";

/** Who asks: a user, the one project their token is limited to (if it is), and whether a kernel's token asks. */
export interface Caller {
  user: { id: string; isAdmin: boolean };
  projectScope?: string | null;
  kind?: "personal" | "kernel";
}

const rank: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };

export function roleAtLeast(role: Role, needed: Role): boolean {
  return rank[role] >= rank[needed];
}

/** A kernel's token acts at most as an editor, whatever its holder's role (owners and admins included). */
export function capKernelRole(role: Role | null): Role | null {
  return role === "owner" ? "editor" : role;
}

/** The caller's role in a project, or null when they have none (or their token is scoped elsewhere). */
export async function roleOf(db: Db, who: Caller, projectId: string): Promise<Role | null> {
  if (who.projectScope && who.projectScope !== projectId) return null;
  // A kernel's token never acts as more than an editor (its holder's admin rights included).
  if (who.kind === "kernel")
    return capKernelRole(who.user.isAdmin ? "owner" : await memberRole(db, projectId, who.user.id));
  if (who.user.isAdmin) return "owner";
  return memberRole(db, projectId, who.user.id);
}

type ProjectRow = typeof schema.projects.$inferSelect;
type NotebookRow = typeof schema.notebooks.$inferSelect;

function requireRole(role: Role, needed: Role) {
  if (!roleAtLeast(role, needed)) throw forbidden(`This needs the ${needed} role in the project; you are ${role}`);
}

/**
 * Loads a project the caller may reach with at least `needed`. Someone with no role at all gets
 * not_found (existence is not revealed); a member with too small a role gets forbidden.
 */
export async function requireProject(
  db: Db,
  who: Caller,
  projectId: string,
  needed: Role,
): Promise<{ project: ProjectRow; role: Role }> {
  const [project] = await db.select().from(schema.projects).where(eq(schema.projects.id, projectId)).limit(1);
  const role = project ? await roleOf(db, who, projectId) : null;
  if (!project || !role) throw notFound("Project");
  requireRole(role, needed);
  return { project, role };
}

/** As requireProject, for a notebook through its project. */
export async function requireNotebook(
  db: Db,
  who: Caller,
  notebookId: string,
  needed: Role,
): Promise<{ notebook: NotebookRow; role: Role }> {
  const [notebook] = await db.select().from(schema.notebooks).where(eq(schema.notebooks.id, notebookId)).limit(1);
  const role = notebook ? await roleOf(db, who, notebook.projectId) : null;
  if (!notebook || !role) throw notFound("Notebook");
  requireRole(role, needed);
  // A run's document records what ran: nobody edits it, whatever their role.
  if (notebook.kind === "run" && needed !== "viewer")
    throw forbidden("This is a run's document, which is read-only; re-run the run instead");
  return { notebook, role };
}

/** The caller's role on a notebook, or null (for WebSocket upgrades, which answer with close codes). */
export async function notebookRole(db: Db, who: Caller, notebookId: string): Promise<Role | null> {
  const [notebook] = await db
    .select({ projectId: schema.notebooks.projectId, kind: schema.notebooks.kind })
    .from(schema.notebooks)
    .where(eq(schema.notebooks.id, notebookId))
    .limit(1);
  if (!notebook) return null;
  const role = await roleOf(db, who, notebook.projectId);
  // A run's document is read-only for everyone (only the server writes its outputs).
  return role && notebook.kind === "run" ? "viewer" : role;
}

/** Whether the caller edits some project (the one their token is scoped to, when it is). */
export async function editsSomeProject(db: Db, who: Caller): Promise<boolean> {
  if (who.projectScope) {
    const role = await roleOf(db, who, who.projectScope);
    return role !== null && roleAtLeast(role, "editor");
  }
  if (who.user.isAdmin) return true;
  return (await memberProjects(db, who.user.id, EDITING_ROLES)).length > 0;
}
