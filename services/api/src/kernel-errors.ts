import { KernelDeadError, NoKernelError, NoSuchKernelspec, NotebookBusyError, UnknownCellError } from "@tandem/kernels";
import { ErrorCode } from "@tandem/protocol";
import { ZodError } from "zod";
import { ApiError, badRequest, conflict, forbidden } from "./errors.ts";

/** Maps the kernel service's errors to typed API errors. */
export function kernelError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ZodError) {
    const message = err.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
    return new ApiError(400, ErrorCode.validation, message);
  }
  if (err instanceof NoSuchKernelspec || err instanceof UnknownCellError) return badRequest((err as Error).message);
  if (err instanceof KernelDeadError) return new ApiError(409, "kernel_dead", err.message);
  if (err instanceof NoKernelError) return conflict(err.message);
  if (err instanceof NotebookBusyError) return forbidden(err.message);
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError(500, "kernel_error", message);
}
