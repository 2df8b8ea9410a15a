export type { Completion, Inspection } from "./assist.ts";
export { kernelBaseEnv } from "./environment.ts";
export {
  type CellSelection,
  type ExecuteRequest,
  type ExecutionListener,
  type ExecutionRecord,
  KERNEL_MAP,
  KernelDeadError,
  NoKernelError,
  NotebookBusyError,
  type OpenDoc,
  UnknownCellError,
} from "./executor.ts";
export type { KernelState } from "./kernel.ts";
export { createKernels, type KernelInfo, type Kernels, type KernelsOptions } from "./kernels.ts";
export type { KernelSpec, KernelspecSource } from "./kernelspecs.ts";
export type { LaunchContext, LaunchContribution, PrepareLaunch } from "./launch.ts";
export { type KernelOwner, type MintToken, NoSuchKernelspec } from "./manager.ts";
export type { JupyterSession } from "./sessions.ts";
