import { emptyHistogram, type Histogram, mergeInto, observe, quantile } from "./histogram.ts";

/** One request through `/deployments/<name>/…`, as the proxy saw it. */
export interface RequestEvent {
  deploymentId: string;
  deployment: string;
  /** The version that answered (null when none did: no ready replica). */
  version: number | null;
  replica: string | null;
  status: number;
  latencySeconds: number;
  bytesIn: number;
  bytesOut: number;
}

/**
 * Rollup resolutions, in seconds: per second (the 5-minute window), per minute (the hour, the edges
 * of longer windows) and per hour (most of a day or a week: 168 rows instead of 10,080).
 */
export const RESOLUTIONS = [1, 60, 3600] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export interface Rollup {
  deploymentId: string;
  resolution: Resolution;
  /** Start of the bucket (ms since the epoch, a multiple of the resolution). */
  bucket: number;
  /** 0 when no version answered. */
  version: number;
  requests: number;
  errors4xx: number;
  errors5xx: number;
  latencySum: number;
  bytesIn: number;
  bytesOut: number;
  histogram: Histogram;
}

export const bucketStart = (atMs: number, resolution: Resolution) =>
  Math.floor(atMs / (resolution * 1000)) * resolution * 1000;

const keyOf = (deploymentId: string, resolution: Resolution, bucket: number, version: number) =>
  `${deploymentId}|${resolution}|${bucket}|${version}`;

/** Rollups being filled in memory, between two flushes. */
export class RollupBatch {
  private rows = new Map<string, Rollup>();

  get size(): number {
    return this.rows.size;
  }

  add(e: RequestEvent, atMs: number): void {
    const version = e.version ?? 0;
    for (const resolution of RESOLUTIONS) {
      const bucket = bucketStart(atMs, resolution);
      const key = keyOf(e.deploymentId, resolution, bucket, version);
      let r = this.rows.get(key);
      if (!r) {
        r = {
          deploymentId: e.deploymentId,
          resolution,
          bucket,
          version,
          requests: 0,
          errors4xx: 0,
          errors5xx: 0,
          latencySum: 0,
          bytesIn: 0,
          bytesOut: 0,
          histogram: emptyHistogram(),
        };
        this.rows.set(key, r);
      }
      r.requests++;
      if (e.status >= 400 && e.status < 500) r.errors4xx++;
      else if (e.status >= 500) r.errors5xx++;
      r.latencySum += e.latencySeconds;
      r.bytesIn += e.bytesIn;
      r.bytesOut += e.bytesOut;
      observe(r.histogram, e.latencySeconds);
    }
  }

  /** Folds rollups back in (a flush that failed is retried with the next one). */
  restore(rows: Rollup[]): void {
    for (const r of rows) {
      const key = keyOf(r.deploymentId, r.resolution, r.bucket, r.version);
      const have = this.rows.get(key);
      if (!have) {
        this.rows.set(key, r);
        continue;
      }
      have.requests += r.requests;
      have.errors4xx += r.errors4xx;
      have.errors5xx += r.errors5xx;
      have.latencySum += r.latencySum;
      have.bytesIn += r.bytesIn;
      have.bytesOut += r.bytesOut;
      mergeInto(have.histogram, r.histogram);
    }
  }

  /** Everything filled so far; the batch starts empty again. */
  take(): Rollup[] {
    const rows = [...this.rows.values()];
    this.rows = new Map();
    return rows;
  }
}

/** The figures of one window, for a version or for the deployment. */
export interface WindowFigures {
  requests: number;
  /** Requests per second over the window. */
  rate: number;
  errors: { "4xx": number; "5xx": number };
  /** Latency quantiles in seconds (null without requests). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface Totals {
  requests: number;
  errors4xx: number;
  errors5xx: number;
  latencySum: number;
  histogram: readonly number[];
}

export function figuresOf(t: Totals, windowSeconds: number): WindowFigures {
  return {
    requests: t.requests,
    rate: t.requests / windowSeconds,
    errors: { "4xx": t.errors4xx, "5xx": t.errors5xx },
    p50: quantile(t.histogram, 0.5),
    p95: quantile(t.histogram, 0.95),
    p99: quantile(t.histogram, 0.99),
  };
}

/** Adds per-version totals into one (the deployment's). */
export function sumTotals(all: Totals[]): Totals {
  const histogram = emptyHistogram();
  const out = { requests: 0, errors4xx: 0, errors5xx: 0, latencySum: 0, histogram };
  for (const t of all) {
    out.requests += t.requests;
    out.errors4xx += t.errors4xx;
    out.errors5xx += t.errors5xx;
    out.latencySum += t.latencySum;
    mergeInto(histogram, t.histogram);
  }
  return out;
}

/** Windows the API offers, in seconds, and the rollups each reads. */
export const WINDOWS = { "5m": 300, "1h": 3600, "24h": 86_400, "7d": 604_800 } as const;
export type WindowName = keyof typeof WINDOWS;

/** A stretch of rollups of one resolution: buckets starting in [since, until). */
export interface RollupRange {
  resolution: Resolution;
  since: number;
  until?: number;
}

/**
 * The rollups a window reads: whole hours from per-hour rows, and the part before the first whole
 * hour from per-minute rows (so a window never counts an hour it only partly covers).
 */
export function rangesFor(window: WindowName, nowMs: number): RollupRange[] {
  const since = nowMs - WINDOWS[window] * 1000;
  if (window === "5m") return [{ resolution: 1, since }];
  if (window === "1h") return [{ resolution: 60, since }];
  const hour = Math.ceil(since / 3_600_000) * 3_600_000;
  return [
    { resolution: 3600, since: hour },
    { resolution: 60, since, until: hour },
  ];
}

/**
 * Which requests go into the sampled log: a running share per deployment, so a rate of 0.25
 * keeps exactly every fourth request (deterministic, so tests and operators see what they set).
 */
export class Sampler {
  private credit = new Map<string, number>();

  take(deploymentId: string, rate: number): boolean {
    if (rate <= 0) return false;
    const c = (this.credit.get(deploymentId) ?? 0) + Math.min(rate, 1);
    if (c >= 1 - 1e-9) {
      this.credit.set(deploymentId, c - 1);
      return true;
    }
    this.credit.set(deploymentId, c);
    return false;
  }
}
