/** Why access was refused; `code` is stable (the API maps it to a status), `message` is for people. */
export type AccessErrorCode =
  /** No such project or notebook, or the caller may not know it exists. */
  | "not_found"
  /** The caller is a member, with too small a role (or the thing is read-only). */
  | "forbidden";

export class AccessError extends Error {
  constructor(
    readonly code: AccessErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AccessError";
  }
}

export const notFound = (what: string) => new AccessError("not_found", `${what} not found`);
export const forbidden = (message: string) => new AccessError("forbidden", message);
