import type { Db } from "@tandem/db";
import { roleAtLeast, roleOf } from "@tandem/projects";
import type { Role } from "@tandem/protocol";
import { type Experiment, MlflowCode, type Tracking, TrackingError } from "@tandem/tracking";
import type { Identity } from "./auth/identity.ts";

/**
 * Project access for the MLflow API, answered in MLflow's terms: someone with no role sees
 * RESOURCE_DOES_NOT_EXIST (existence is not revealed), a viewer who writes PERMISSION_DENIED.
 */
export function mlflowAccess(db: Db, tracking: Tracking) {
  async function checkRole(who: Identity, projectId: string, needed: Role, notFoundMessage: string) {
    const role = await roleOf(db, who, projectId);
    if (!role) throw new TrackingError(MlflowCode.notFound, notFoundMessage);
    if (!roleAtLeast(role, needed))
      throw new TrackingError(
        MlflowCode.permissionDenied,
        `This needs the ${needed} role in the project; you are ${role}`,
      );
  }
  return {
    checkRole,
    /** Projects the caller may read; null for "all" (an unscoped admin). */
    async readableProjects(who: Identity): Promise<string[] | null> {
      if (who.projectScope) return (await roleOf(db, who, who.projectScope)) ? [who.projectScope] : [];
      if (who.user.isAdmin) return null;
      return tracking.projects.memberOf(who.user.id);
    },
    async experiment(who: Identity, id: number, needed: Role): Promise<Experiment> {
      const exp = await tracking.experiments.get(id);
      await checkRole(who, exp.projectId, needed, `No Experiment with id=${id} exists`);
      return exp;
    },
    async run(who: Identity, runId: string, needed: Role) {
      const { row, projectId } = await tracking.runs.withProject(runId);
      await checkRole(who, projectId, needed, `Run with id=${runId} not found`);
      return { row, projectId };
    },
  };
}
