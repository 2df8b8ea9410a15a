export type { Completion, Inspection } from "./assist.ts";
export { kernelBaseEnv } from "./environment.ts";
export { KernelError, type KernelErrorCode } from "./errors.ts";
export type { CellMagic, MagicContext, MagicResult } from "./executor/magic.ts";
export type {
  CellOutcome,
  CellSelection,
  ExecuteRequest,
  ExecutionListener,
  ExecutionRecord,
  OpenDoc,
  QueuedCell,
} from "./executor/types.ts";
export type { KernelState } from "./kernel-process.ts";
export { createKernels, type KernelInfo, type Kernels, type KernelsOptions } from "./kernels.ts";
export type { KernelSpec, KernelspecSource } from "./kernelspecs.ts";
export type { LaunchContext, LaunchContribution, PrepareLaunch } from "./launch.ts";
export type { KernelOwner, MintToken } from "./manager.ts";
export { type KernelIsolation, probeSandbox, type SandboxOptions } from "./sandbox.ts";
export type { JupyterSession } from "./sessions.ts";
export type { LiveChannel } from "./websocket.ts";
