/** Typed scheduler errors; the API maps `code` to an HTTP status. */
export type SchedulerErrorCode = "not_found" | "invalid" | "conflict" | "forbidden";

export class SchedulerError extends Error {
  constructor(
    readonly code: SchedulerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "SchedulerError";
  }
}

export const invalid = (message: string) => new SchedulerError("invalid", message);
export const notFound = (what: string) => new SchedulerError("not_found", `${what} not found`);
export const conflict = (message: string) => new SchedulerError("conflict", message);
