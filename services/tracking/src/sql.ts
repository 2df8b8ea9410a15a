import type { Db } from "@tandem/db";
import type { SQL } from "drizzle-orm";

/** Rows of a raw query, whichever driver (postgres-js answers an array, PGlite `{ rows }`). */
export async function rowsOf<T>(db: Db, query: SQL): Promise<T[]> {
  const res = (await db.execute(query)) as unknown;
  return (Array.isArray(res) ? res : (res as { rows: T[] }).rows) as T[];
}

/** postgres-js answers int8 as strings; PGlite as numbers or bigints. */
export const num = (v: unknown): number => (v === null || v === undefined ? (v as never) : Number(v));
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
