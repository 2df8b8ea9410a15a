export { createApi } from "./app.ts";
export type { ApiConfig, ApiDeps, AppEnv } from "./context.ts";
export { type Credentials, credentialsOf, type Identity, resolveIdentity } from "./auth/identity.ts";
export { notebookRole, roleAtLeast } from "./access.ts";
export { bootstrapAdmin } from "./bootstrap.ts";
export { ApiError } from "./errors.ts";
