/** Why an environment could not be resolved or built; `code` is stable, `message` is for people. */
export type EnvErrorCode =
  | "python_not_found"
  | "unresolvable"
  | "index_unreachable"
  | "build_failed"
  | "uv_unavailable"
  | "invalid_spec"
  | "gpu_unavailable"
  | "driver_too_old"
  | "busy";

export class EnvError extends Error {
  constructor(
    readonly code: EnvErrorCode,
    message: string,
  ) {
    super(message);
  }
}
