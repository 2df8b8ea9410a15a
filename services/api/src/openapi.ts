import type { z } from "@hono/zod-openapi";
import { ErrorBody } from "@tandem/protocol";

/** The error answers every authenticated route may give, for the OpenAPI document. */
export const errorResponses = {
  400: { description: "Invalid request", content: { "application/json": { schema: ErrorBody } } },
  401: { description: "Not signed in", content: { "application/json": { schema: ErrorBody } } },
  403: { description: "Not allowed", content: { "application/json": { schema: ErrorBody } } },
  404: { description: "Not found", content: { "application/json": { schema: ErrorBody } } },
} as const;

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { required: true, content: { "application/json": { schema } } } } as const;
}

export const noContent = { description: "Done" } as const;
export const secured: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }];
