import { type Db, schema } from "@tandem/db";
import { and, desc, eq, gt, gte, inArray, lt, or, sql } from "drizzle-orm";
import { LATENCY_BOUNDS } from "./histogram.ts";
import type { Rollup, RollupRange, Totals } from "./rollups.ts";

const { deploymentRollups: r, deploymentRequests } = schema;

export type LoggedRequest = typeof deploymentRequests.$inferInsert;

/**
 * Adds a batch into the rollup rows: a bucket another flush (or another server) wrote already
 * gets the counts added, histograms element by element.
 */
export async function writeRollups(db: Db, rows: Rollup[]): Promise<void> {
  if (!rows.length) return;
  await db
    .insert(r)
    .values(rows.map((x) => ({ ...x, bucket: new Date(x.bucket) })))
    .onConflictDoUpdate({
      target: [r.deploymentId, r.resolution, r.bucket, r.version],
      set: {
        requests: sql`${r.requests} + excluded.requests`,
        errors4xx: sql`${r.errors4xx} + excluded.errors_4xx`,
        errors5xx: sql`${r.errors5xx} + excluded.errors_5xx`,
        latencySum: sql`${r.latencySum} + excluded.latency_sum`,
        bytesIn: sql`${r.bytesIn} + excluded.bytes_in`,
        bytesOut: sql`${r.bytesOut} + excluded.bytes_out`,
        histogram: sql`ARRAY(SELECT a + b FROM unnest(${r.histogram}, excluded.histogram) WITH ORDINALITY AS u(a, b, i) ORDER BY i)`,
      },
    });
}

/** Which of these deployments still exist. */
export async function existing(db: Db, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await db
    .select({ id: schema.deployments.id })
    .from(schema.deployments)
    .where(inArray(schema.deployments.id, ids));
  return new Set(rows.map((x) => x.id));
}

export async function writeRequests(db: Db, rows: LoggedRequest[]): Promise<void> {
  if (rows.length) await db.insert(deploymentRequests).values(rows);
}

/** Where a deployment's rollups in these ranges are. */
export const inRanges = (deploymentId: string, ranges: RollupRange[]) =>
  and(
    eq(r.deploymentId, deploymentId),
    or(
      ...ranges.map((x) =>
        and(
          eq(r.resolution, x.resolution),
          gte(r.bucket, new Date(x.since)),
          x.until === undefined ? undefined : lt(r.bucket, new Date(x.until)),
        ),
      ),
    ),
  );

/** The summed columns of a group of rollups: histograms summed cell by cell (one pass over the rows). */
export function summedColumns() {
  const cells = LATENCY_BOUNDS.map((_, i) => sql`sum(${r.histogram}[${sql.raw(String(i + 1))}])::float8`);
  cells.push(sql`sum(${r.histogram}[${sql.raw(String(LATENCY_BOUNDS.length + 1))}])::float8`);
  return {
    version: r.version,
    requests: sql<number>`sum(${r.requests})::float8`,
    errors4xx: sql<number>`sum(${r.errors4xx})::float8`,
    errors5xx: sql<number>`sum(${r.errors5xx})::float8`,
    latencySum: sql<number>`sum(${r.latencySum})`,
    histogram: sql<unknown[]>`ARRAY[${sql.join(cells, sql`, `)}]`,
  };
}

type Summed = { requests: number; errors4xx: number; errors5xx: number; latencySum: number; histogram: unknown[] };
export const totalsOf = (s: Summed): Totals => ({
  requests: Number(s.requests),
  errors4xx: Number(s.errors4xx),
  errors5xx: Number(s.errors5xx),
  latencySum: Number(s.latencySum),
  histogram: (s.histogram ?? []).map((c) => Number(c ?? 0)),
});

/** Totals per version (0: none answered) of a deployment's rollups in these ranges. */
export async function windowTotals(db: Db, deploymentId: string, ranges: RollupRange[]): Promise<Map<number, Totals>> {
  const sums = await db.select(summedColumns()).from(r).where(inRanges(deploymentId, ranges)).groupBy(r.version);
  return new Map(sums.map((s) => [s.version, totalsOf(s)]));
}

/** Drops per-second rollups before `secondsBefore`, and longer ones and logged requests before `before`. */
export async function prune(db: Db, o: { secondsBefore: Date; before: Date }): Promise<void> {
  await db
    .delete(r)
    .where(
      or(and(eq(r.resolution, 1), lt(r.bucket, o.secondsBefore)), and(gt(r.resolution, 1), lt(r.bucket, o.before))),
    );
  await db.delete(deploymentRequests).where(lt(deploymentRequests.at, o.before));
}

export interface RequestLogFilter {
  status?: number;
  version?: number;
  /** Only requests before this time (paging back), newest first. */
  before?: Date;
  since?: Date;
  limit: number;
}

/** The sampled request log, newest first. */
export async function requestLog(db: Db, deploymentId: string, f: RequestLogFilter) {
  const t = deploymentRequests;
  const conds = [
    eq(t.deploymentId, deploymentId),
    f.status !== undefined ? eq(t.status, f.status) : undefined,
    f.version !== undefined ? eq(t.version, f.version) : undefined,
    f.before ? lt(t.at, f.before) : undefined,
    f.since ? gte(t.at, f.since) : undefined,
  ].filter((c) => c !== undefined);
  return db
    .select()
    .from(t)
    .where(and(...conds))
    .orderBy(desc(t.at), desc(t.id))
    .limit(f.limit);
}
