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

export function maxResultsOf(v: unknown, def: number, max: number): number {
  if (v === undefined || v === null || v === "") return def;
  const n = parseInt64(v);
  if (n === undefined || n < 1 || n > max)
    throw new TrackingError(
      MlflowCode.invalid,
      `Invalid value ${String(v)} for parameter 'max_results': must be from 1 to ${max}`,
    );
  return n;
}

export const required = (body: Body, name: string): string => {
  const v = str(body[name]);
  if (v === undefined || v === "")
    throw new TrackingError(MlflowCode.invalid, `Missing value for required parameter '${name}'`);
  return v;
};
