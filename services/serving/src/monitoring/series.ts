import type { Db } from "@tandem/db";
import { schema } from "@tandem/db";
import type { MetricsSeries, MetricsWindow } from "@tandem/protocol";
import { sql } from "drizzle-orm";
import { quantile } from "./histogram.ts";
import { type Resolution, sumTotals, type Totals, WINDOWS } from "./rollups.ts";
import { inRanges, summedColumns, totalsOf } from "./store.ts";

const r = schema.deploymentRollups;

/** Each window's points: seconds per point and the rollups they are summed from (60–168 points). */
export const STEPS: Record<MetricsWindow, { step: number; resolution: Resolution }> = {
  "5m": { step: 5, resolution: 1 },
  "1h": { step: 60, resolution: 60 },
  "24h": { step: 900, resolution: 60 },
  "7d": { step: 3600, resolution: 3600 },
};

/**
 * A window as columns for a chart: requests and errors per second, latency quantiles (merged
 * histograms per point), and per version. The last point is the bucket under way.
 */
export async function seriesOf(
  db: Db,
  deploymentId: string,
  window: MetricsWindow,
  nowMs: number,
): Promise<Omit<MetricsSeries, "marks">> {
  const { step, resolution } = STEPS[window];
  const count = WINDOWS[window] / step;
  const start = (Math.floor(nowMs / 1000 / step) - (count - 1)) * step;
  // The step inlined: the same expression in SELECT and GROUP BY (a bound parameter twice is two expressions).
  const t = sql<number>`(floor(extract(epoch from ${r.bucket}) / ${sql.raw(String(step))}) * ${sql.raw(String(step))})::float8`;
  const rows = await db
    .select({ t, ...summedColumns() })
    .from(r)
    .where(inRanges(deploymentId, [{ resolution, since: start * 1000 }]))
    .groupBy(t, r.version);

  const times = Array.from({ length: count }, (_, i) => start + i * step);
  const at = new Map<number, Map<number, Totals>>();
  for (const row of rows) {
    const i = Math.round((Number(row.t) - start) / step);
    if (i < 0 || i >= count) continue;
    const point = at.get(i) ?? new Map<number, Totals>();
    at.set(i, point);
    point.set(row.version, totalsOf(row));
  }
  const versions = [...new Set(rows.map((x) => x.version))].sort((a, b) => a - b);
  const column = <T>(f: (point: Map<number, Totals> | undefined) => T) => times.map((_, i) => f(at.get(i)));
  const total = (p: Map<number, Totals> | undefined) => (p ? sumTotals([...p.values()]) : null);
  const totals = column(total);
  return {
    window,
    step,
    times,
    rate: totals.map((x) => (x?.requests ?? 0) / step),
    errors4xx: totals.map((x) => (x?.errors4xx ?? 0) / step),
    errors5xx: totals.map((x) => (x?.errors5xx ?? 0) / step),
    p50: totals.map((x) => (x ? quantile(x.histogram, 0.5) : null)),
    p95: totals.map((x) => (x ? quantile(x.histogram, 0.95) : null)),
    p99: totals.map((x) => (x ? quantile(x.histogram, 0.99) : null)),
    byVersion: versions.map((v) => {
      const of = column((p) => p?.get(v));
      return {
        version: v || null,
        rate: of.map((x) => (x?.requests ?? 0) / step),
        errors4xx: of.map((x) => (x?.errors4xx ?? 0) / step),
        errors5xx: of.map((x) => (x?.errors5xx ?? 0) / step),
        p99: of.map((x) => (x ? quantile(x.histogram, 0.99) : null)),
      };
    }),
  };
}
