/** Why collaboration refused; `code` is stable (the API maps it to a status), `message` is for people. */
export type CollabErrorCode =
  /** The service is shutting down: no new rooms. */
  "closing";

export class CollabError extends Error {
  constructor(
    readonly code: CollabErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CollabError";
  }
}
