export {
  type Caller,
  editsSomeProject,
  notebookRole,
  requireNotebook,
  requireProject,
  roleAtLeast,
  roleOf,
} from "./access.ts";
export { AccessError, type AccessErrorCode } from "./errors.ts";
export { EDITING_ROLES, memberProjects, memberRole } from "./membership.ts";
export { createNotebook, createProject, type NewNotebook } from "./projects.ts";
