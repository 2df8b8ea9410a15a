/** Why a deployment request failed; `code` is stable, `message` is for people. */
export type ServingErrorCode =
  | "not_found"
  | "invalid"
  | "conflict"
  | "build_failed"
  | "model_unavailable"
  | "no_ready_replica"
  | "timeout";

export class ServingError extends Error {
  constructor(
    readonly code: ServingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ServingError("not_found", `${what} not found`);
export const invalid = (message: string) => new ServingError("invalid", message);
