export { createKernels, type Kernels, type KernelsOptions, type KernelInfo } from "./kernels.ts";
export { KernelDeadError, NoKernelError, UnknownCellError, NotebookBusyError, KERNEL_MAP, type CellSelection, type ExecuteRequest, type OpenDoc } from "./executor.ts";
export type { KernelSpec, KernelspecSource } from "./kernelspecs.ts";
export type { LaunchContext, LaunchContribution, PrepareLaunch } from "./launch.ts";
export { NoSuchKernelspec, type KernelOwner, type MintToken } from "./manager.ts";
export type { KernelState } from "./kernel.ts";
export type { JupyterSession } from "./sessions.ts";
export { kernelBaseEnv } from "./environment.ts";
