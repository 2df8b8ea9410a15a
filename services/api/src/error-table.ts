import { CollabError, type CollabErrorCode } from "@tandem/collab";
import { EnvError, type EnvErrorCode } from "@tandem/envs";
import { KernelError, type KernelErrorCode } from "@tandem/kernels";
import { InvalidNotebookError } from "@tandem/notebook";
import { AccessError, type AccessErrorCode } from "@tandem/projects";
import { ErrorCode } from "@tandem/protocol";
import { SchedulerError, type SchedulerErrorCode } from "@tandem/scheduler";
import { ServingError, type ServingErrorCode } from "@tandem/serving";
import { MlflowCode, TrackingError } from "@tandem/tracking";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import { ZodError } from "zod";
import { ApiError } from "./errors.ts";

/**
 * The one place where errors meet HTTP: every service's typed error code → the status and the code
 * a client sees. Tandem's `{ error: { code, message } }` and MLflow's `{ error_code, message }` are
 * two renderings of what this gives.
 */
type Row = readonly [ContentfulStatusCode, string];

const ACCESS: Record<AccessErrorCode, Row> = {
  not_found: [404, ErrorCode.notFound],
  forbidden: [403, ErrorCode.forbidden],
};

const KERNEL: Record<KernelErrorCode, Row> = {
  kernel_dead: [409, "kernel_dead"],
  no_kernel: [409, ErrorCode.conflict],
  no_such_kernel: [404, ErrorCode.notFound],
  no_such_kernelspec: [400, ErrorCode.badRequest],
  unknown_cell: [400, ErrorCode.badRequest],
  not_your_input: [403, ErrorCode.forbidden],
  kernel_not_running: [500, "kernel_error"],
  port_taken: [500, "kernel_error"],
};

const COLLAB: Record<CollabErrorCode, Row> = {
  closing: [503, "unavailable"],
};

const SCHEDULER: Record<SchedulerErrorCode, Row> = {
  not_found: [404, ErrorCode.notFound],
  invalid: [400, ErrorCode.badRequest],
  conflict: [409, ErrorCode.conflict],
  forbidden: [403, ErrorCode.forbidden],
  no_parameters_cell: [400, "no_parameters_cell"],
};

const ENVIRONMENT: Record<EnvErrorCode, Row> = {
  busy: [409, ErrorCode.conflict],
  invalid_spec: [400, ErrorCode.badRequest],
  python_not_found: [400, "python_not_found"],
  unresolvable: [400, "unresolvable"],
  gpu_unavailable: [409, "gpu_unavailable"],
  driver_too_old: [409, "driver_too_old"],
  index_unreachable: [502, "index_unreachable"],
  build_failed: [500, "build_failed"],
  uv_unavailable: [500, "uv_unavailable"],
};

const SERVING: Record<ServingErrorCode, Row> = {
  not_found: [404, ErrorCode.notFound],
  invalid: [400, ErrorCode.badRequest],
  conflict: [409, ErrorCode.conflict],
  build_failed: [500, "build_failed"],
  model_unavailable: [400, "model_unavailable"],
  no_ready_replica: [503, "unavailable"],
  timeout: [504, "timeout"],
};

const TRACKING: Record<MlflowCode, Row> = {
  RESOURCE_DOES_NOT_EXIST: [404, ErrorCode.notFound],
  ENDPOINT_NOT_FOUND: [404, ErrorCode.notFound],
  INVALID_PARAMETER_VALUE: [400, ErrorCode.badRequest],
  RESOURCE_ALREADY_EXISTS: [400, ErrorCode.badRequest],
  RESOURCE_CONFLICT: [409, ErrorCode.conflict],
  PERMISSION_DENIED: [403, ErrorCode.forbidden],
  UNAUTHENTICATED: [401, ErrorCode.unauthenticated],
  INTERNAL_ERROR: [500, ErrorCode.internal],
};

/** A zod failure as one line naming each bad field. */
export function validationMessage(err: ZodError): string {
  return err.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

const row = ([status, code]: Row, message: string) => new ApiError(status, code, message);

/** The API error a thrown value stands for; null when it is unknown (a bug: answered as `internal_error`). */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof AccessError) return row(ACCESS[err.code], err.message);
  if (err instanceof KernelError) return row(KERNEL[err.code], err.message);
  if (err instanceof SchedulerError) return row(SCHEDULER[err.code], err.message);
  if (err instanceof CollabError) return row(COLLAB[err.code], err.message);
  if (err instanceof EnvError) return row(ENVIRONMENT[err.code], err.message);
  if (err instanceof TrackingError) return row(TRACKING[err.code], err.message);
  if (err instanceof ServingError) return row(SERVING[err.code], err.message);
  if (err instanceof InvalidNotebookError) return new ApiError(400, ErrorCode.validation, err.message);
  if (err instanceof ZodError) return new ApiError(400, ErrorCode.validation, validationMessage(err));
  if (err instanceof HTTPException) {
    const status = err.getResponse().status;
    const malformed = status === 400 && /json/i.test(err.message);
    const code = malformed ? ErrorCode.invalidJson : status === 413 ? ErrorCode.payloadTooLarge : ErrorCode.badRequest;
    const message = malformed ? "The request body is not valid JSON" : err.message || "Bad request";
    return new ApiError(err.status as ContentfulStatusCode, code, message);
  }
  return null;
}

/** What an unknown error becomes: nothing of it reaches the client (it is logged). */
export const internalError = () => new ApiError(500, ErrorCode.internal, "Something went wrong on the server");

/** The same error in MLflow's shape: MLflow's own code for tracking errors, else one by status. */
export function mlflowRendering(err: ApiError | TrackingError): {
  body: { error_code: MlflowCode; message: string };
  status: ContentfulStatusCode;
} {
  if (err instanceof TrackingError) return { body: { error_code: err.code, message: err.message }, status: err.status };
  const code =
    err.status === 401
      ? MlflowCode.unauthenticated
      : err.status === 403
        ? MlflowCode.permissionDenied
        : err.status === 404
          ? MlflowCode.notFound
          : err.status >= 500
            ? MlflowCode.internal
            : MlflowCode.invalid;
  return { body: { error_code: code, message: err.message }, status: err.status };
}

/** Tandem's rendering `{ error: { code, message } }`; an unknown error is logged, and none of it is sent. */
export function renderError(c: Context, err: unknown, log: Logger) {
  const known = toApiError(err);
  if (!known) log.error({ err, method: c.req.method, path: c.req.path }, "request failed");
  const e = known ?? internalError();
  return c.json(e.body(), e.status);
}

/** MLflow's rendering `{ error_code, message }` of the same errors, for the MLflow paths. */
export function mlflowError(c: Context, err: unknown, log: Logger) {
  const known = err instanceof TrackingError ? err : toApiError(err);
  if (!known) log.error({ err, method: c.req.method, path: c.req.path }, "mlflow request failed");
  const { body, status } = mlflowRendering(known ?? internalError());
  return c.json(body, status);
}
