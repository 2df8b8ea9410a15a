import { ErrorCode } from "@tandem/protocol";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context.ts";

/** Deepest JSON nesting accepted in a request body (documents, imports, metadata). */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of arrays/objects in JSON text (strings skipped), stopping once over `limit`. */
export function jsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92)
        i++; // backslash: skip the escaped character
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (ch === 125 || ch === 93) depth--;
  }
  return deepest;
}

/**
 * Refuses JSON bodies nested deeper than MAX_JSON_DEPTH before anything parses or stores them:
 * recursive code downstream (validation, the notebook schema, Yjs) would otherwise overflow.
 */
export function jsonDepthLimit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header("content-type") ?? "";
    // Artifact uploads are files, streamed as they are, whatever their type.
    const isFile = c.req.path.startsWith("/api/2.0/mlflow-artifacts/");
    if (c.req.method === "GET" || c.req.method === "HEAD" || isFile || !/json/i.test(type)) return next();
    const text = await c.req.text();
    if (jsonDepth(text, MAX_JSON_DEPTH) <= MAX_JSON_DEPTH) return next();
    const message = `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`;
    if (c.req.path.startsWith("/api/2.0/mlflow")) {
      return c.json({ error_code: "INVALID_PARAMETER_VALUE", message }, 400);
    }
    return c.json({ error: { code: ErrorCode.invalidJson, message } }, 400);
  };
}
