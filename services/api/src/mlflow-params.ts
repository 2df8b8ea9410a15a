import { MlflowCode, parseInt64, TrackingError } from "@tandem/tracking";
import type { Identity } from "./auth/identity.ts";

export type Body = Record<string, unknown>;
/** An MLflow endpoint: the caller and the request's parameters (query, JSON body and path merged). */
export type Handler = (who: Identity, body: Body) => Promise<unknown>;
export type Route = (path: string, handler: Handler, methods?: string[]) => void;

export const str = (v: unknown): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
export const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)];

/**
 * `max_results`, worded as MLflow's server words it (clients match on the prefix
 * `Invalid value N for parameter 'max_results' supplied`); model-versions/search has a wording of its own.
 */
export function maxResultsOf(v: unknown, def: number, max: number, wording: "common" | "model-versions" = "common") {
  if (v === undefined || v === null || v === "") return def;
  const n = parseInt64(v);
  const fail = (why: string) =>
    new TrackingError(MlflowCode.invalid, `Invalid value ${String(v)} for parameter 'max_results' supplied. ${why}`);
  if (n === undefined)
    throw new TrackingError(
      MlflowCode.invalid,
      `Invalid value ${JSON.stringify(v)} for parameter 'max_results' supplied`,
    );
  if (n < 1) {
    if (wording === "model-versions")
      throw new TrackingError(
        MlflowCode.invalid,
        `Invalid value for max_results. It must be a positive integer, but got ${String(v)}`,
      );
    throw fail("It must be a positive integer");
  }
  if (n > max) throw fail(`It must be at most ${max}`);
  return n;
}

export const required = (body: Body, name: string): string => {
  const v = str(body[name]);
  if (v === undefined || v === "")
    throw new TrackingError(MlflowCode.invalid, `Missing value for required parameter '${name}'`);
  return v;
};
