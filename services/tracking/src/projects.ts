import type { Db } from "@tandem/db";
import { createProject, EDITING_ROLES, memberProjects } from "@tandem/projects";

/**
 * Where an MLflow `experiments/create` from an unscoped token lands when it names no project:
 * the caller's most recently created project where they are editor or owner, or else a
 * personal "MLflow" project made for them on demand.
 */
export async function defaultProjectFor(db: Db, userId: string): Promise<string> {
  const [mine] = await memberProjects(db, userId, EDITING_ROLES);
  if (mine) return mine;
  return (await createProject(db, "MLflow", userId)).id;
}
