import { type Db, schema } from "@tandem/db";
import { and, desc, eq, inArray } from "drizzle-orm";

const { projects, projectMembers } = schema;

/**
 * Where an MLflow `experiments/create` from an unscoped token lands when it names no project:
 * the caller's most recently created project where they are editor or owner, or else a
 * personal "MLflow" project made for them on demand.
 */
export async function defaultProjectFor(db: Db, userId: string): Promise<string> {
  const [mine] = await db
    .select({ id: projects.id })
    .from(projects)
    .innerJoin(projectMembers, eq(projectMembers.projectId, projects.id))
    .where(and(eq(projectMembers.userId, userId), inArray(projectMembers.role, ["owner", "editor"])))
    .orderBy(desc(projects.createdAt), desc(projects.id))
    .limit(1);
  if (mine) return mine.id;
  return db.transaction(async (tx) => {
    const [p] = await tx.insert(projects).values({ name: "MLflow", createdBy: userId }).returning({ id: projects.id });
    await tx.insert(projectMembers).values({ projectId: p!.id, userId, role: "owner" });
    return p!.id;
  });
}

/** Ids of the projects a user is a member of (any role). */
export async function memberProjects(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .select({ id: projectMembers.projectId })
    .from(projectMembers)
    .where(eq(projectMembers.userId, userId));
  return rows.map((r) => r.id);
}
