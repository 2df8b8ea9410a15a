import { type Db, schema } from "@tandem/db";
import type { Role } from "@tandem/protocol";
import { and, desc, eq, inArray } from "drizzle-orm";

const m = schema.projectMembers;
/** The roles that may change a project's contents (and run code in it). */
export const EDITING_ROLES: Role[] = ["editor", "owner"];

/** The project-membership query: a user's role in a project, or null when they are not a member. */
export async function memberRole(db: Db, projectId: string, userId: string): Promise<Role | null> {
  const [row] = await db
    .select({ role: m.role })
    .from(m)
    .where(and(eq(m.projectId, projectId), eq(m.userId, userId)))
    .limit(1);
  return row?.role ?? null;
}

/** The projects a user belongs to (with `roles`, only those where they hold one of them), newest first. */
export async function memberProjects(db: Db, userId: string, roles?: Role[]): Promise<string[]> {
  const p = schema.projects;
  const rows = await db
    .select({ id: m.projectId })
    .from(m)
    .innerJoin(p, eq(p.id, m.projectId))
    .where(roles ? and(eq(m.userId, userId), inArray(m.role, roles)) : eq(m.userId, userId))
    .orderBy(desc(p.createdAt), desc(p.id));
  return rows.map((r) => r.id);
}
