/** Typed scheduler errors; the API maps `code` to an HTTP status. */
export type SchedulerErrorCode = "not_found" | "invalid" | "conflict" | "forbidden" | "no_parameters_cell";

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

/** Parameters for a notebook with no cell tagged `parameters`: they would land nowhere the notebook reads. */
export const NO_PARAMETERS_CELL_MESSAGE =
  "This notebook has no parameters cell, so the run's parameters would be ignored: tag a cell `parameters` " +
  "(cell toolbar or metadata.tags) holding their defaults, e.g. `alpha = 0.1`, then run it again";
export const noParametersCell = () => new SchedulerError("no_parameters_cell", NO_PARAMETERS_CELL_MESSAGE);
