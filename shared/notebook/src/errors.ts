/** A notebook that does not follow nbformat; `problems` name each wrong field. */
export class InvalidNotebookError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid notebook: ${problems.join("; ")}`);
    this.name = "InvalidNotebookError";
  }
}
