/** Why the kernel gateway refused or failed; `code` is stable (the API maps it to a status), `message` is for people. */
export type KernelErrorCode =
  /** The notebook's kernel died: restart it first. */
  | "kernel_dead"
  /** The notebook has no running kernel (interrupt, restart). */
  | "no_kernel"
  /** No kernel with that id. */
  | "no_such_kernel"
  /** No kernelspec with that name, or none installed. */
  | "no_such_kernelspec"
  /** A cell id the notebook does not have, or a selection without its cell. */
  | "unknown_cell"
  /** Only the person who ran the cell may answer its input(). */
  | "not_your_input"
  /** The kernel process is not running (any more), or died while starting. */
  | "kernel_not_running"
  /** The kernel's ports were taken while it started (retried with new ones; never reaches a client). */
  | "port_taken";

export class KernelError extends Error {
  constructor(
    readonly code: KernelErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "KernelError";
  }
}

export const kernelDead = () =>
  new KernelError("kernel_dead", "The notebook's kernel is dead: restart it to run cells again");
export const noKernel = () => new KernelError("no_kernel", "The notebook has no running kernel");
export const noSuchKernelspec = (specName: string | undefined) =>
  new KernelError("no_such_kernelspec", specName ? `No kernelspec named '${specName}'` : "No kernelspec is installed");
export const notRunning = (message: string) => new KernelError("kernel_not_running", message);
