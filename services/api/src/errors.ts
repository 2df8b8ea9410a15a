import { ErrorCode } from "@tandem/protocol";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An error meant for the client: its code, message and status reach the response as they are. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  body() {
    return { error: { code: this.code, message: this.message } };
  }
}

export const badRequest = (message: string) => new ApiError(400, ErrorCode.badRequest, message);
export const unauthenticated = (message = "Sign in or send an API token") =>
  new ApiError(401, ErrorCode.unauthenticated, message);
export const forbidden = (message = "You do not have permission to do this") =>
  new ApiError(403, ErrorCode.forbidden, message);
export const notFound = (what: string) => new ApiError(404, ErrorCode.notFound, `${what} not found`);
export const conflict = (message: string) => new ApiError(409, ErrorCode.conflict, message);
