// Pinned environments: spec -> lock (uv, hashes) -> content-addressed build; GPU inventory and allocation.

export { BuildLog } from "./build-log.ts";
export { type BuiltEnvironment, buildLock, MARKER, removeStaleBuilds, resolveSpec } from "./builder.ts";
export {
  DEFAULT_ENVIRONMENT_NAME,
  DEFAULT_REQUIREMENTS,
  type EnsureDefaultOptions,
  ensureDefaultEnvironment,
  MINIMAL_ENVIRONMENT_NAME,
} from "./default-env.ts";
export { EnvError, type EnvErrorCode } from "./errors.ts";
export { type AllocateOptions, GpuAllocator, type GpuLease } from "./gpu/allocator.ts";
export { checkDriver, minimumDriverFor } from "./gpu/cuda.ts";
export { NVIDIA_SMI_ARGS, parseNvidiaSmiCsv, readGpuInventory } from "./gpu/inventory.ts";
export { type EnvironmentKernelspec, environmentKernelspec, kernelspecName } from "./kernelspec.ts";
export { type KernelLaunch, prepareKernelLaunch } from "./launch.ts";
export { localRequirementReason, localSourceReason } from "./local-sources.ts";
export { type Lock, lockIdentity, parseCompiled, renderRequirements } from "./lock.ts";
export { PipCommandError, parsePipCommand, splitPipCell } from "./pip-command.ts";
export { lockChanges, type PipCellContext, type PipCellResult, PipMagic } from "./pip-magic.ts";
export { findPython, type Interpreter } from "./python.ts";
export { EnvironmentService, type EnvironmentServiceOptions, type ResolveHints } from "./service.ts";
export { locateUv, type Uv } from "./uv.ts";
