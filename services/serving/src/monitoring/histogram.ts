/**
 * Latency histograms with fixed bucket bounds (seconds, Prometheus's base unit). Every rollup row,
 * every server and `/metrics` use the same bounds, so histograms of any window merge by adding
 * counts, and percentiles come from the merged counts (to the buckets' resolution).
 */
export const LATENCY_BOUNDS: readonly number[] = [
  0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1,
  1.5, 2, 3, 5, 10, 30, 60,
];

/** Counts per bucket: one per bound (≤ bound) plus the overflow bucket (> the last bound). */
export type Histogram = number[];

export const emptyHistogram = (): Histogram => new Array(LATENCY_BOUNDS.length + 1).fill(0);

/** The bucket a latency falls in: the first bound it does not exceed (Prometheus's `le`). */
export function bucketOf(seconds: number): number {
  let lo = 0;
  let hi = LATENCY_BOUNDS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (seconds <= LATENCY_BOUNDS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function observe(h: Histogram, seconds: number): void {
  h[bucketOf(seconds)]!++;
}

/** Adds `from` into `into` (same bounds; a shorter array counts as zeros). */
export function mergeInto(into: Histogram, from: readonly number[]): Histogram {
  for (let i = 0; i < into.length; i++) into[i]! += from[i] ?? 0;
  return into;
}

/**
 * The q-quantile (0..1) in seconds, interpolated linearly inside its bucket the way Prometheus's
 * `histogram_quantile` does; in the overflow bucket it is the last bound. Null with no observations.
 */
export function quantile(h: readonly number[], q: number): number | null {
  const total = h.reduce((n, c) => n + c, 0);
  if (!total) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < h.length; i++) {
    const count = h[i]!;
    if (count && seen + count >= rank) {
      if (i >= LATENCY_BOUNDS.length) return LATENCY_BOUNDS[LATENCY_BOUNDS.length - 1]!;
      const lower = i === 0 ? 0 : LATENCY_BOUNDS[i - 1]!;
      const upper = LATENCY_BOUNDS[i]!;
      return lower + (upper - lower) * Math.max(0, (rank - seen) / count);
    }
    seen += count;
  }
  return LATENCY_BOUNDS[LATENCY_BOUNDS.length - 1]!;
}
