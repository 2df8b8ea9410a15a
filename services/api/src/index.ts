export { type AccessEvent, type AccessEvents, type AccessTransport, createAccessEvents } from "./access-events.ts";
export { createApi } from "./app.ts";
export {
  type Credentials,
  credentialsOf,
  currentExpiry,
  type Identity,
  resolveIdentity,
} from "./auth/identity.ts";
export { KERNEL_TOKEN_TTL_MS, KernelTokens } from "./auth/kernel-tokens.ts";
export { createToken, revokeToken } from "./auth/tokens.ts";
export { bootstrapAdmin } from "./bootstrap.ts";
export type { ApiConfig, ApiDeps, AppEnv } from "./context.ts";
export { ApiError } from "./errors.ts";
export { kernelRole } from "./routes/kernels.ts";
