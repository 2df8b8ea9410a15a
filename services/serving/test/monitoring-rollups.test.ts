import { describe, expect, it } from "vitest";
import { bucketOf, emptyHistogram, LATENCY_BOUNDS, mergeInto, observe, quantile } from "../src/monitoring/histogram.ts";
import {
  bucketStart,
  figuresOf,
  type RequestEvent,
  RollupBatch,
  Sampler,
  sumTotals,
} from "../src/monitoring/rollups.ts";

const event = (over: Partial<RequestEvent> = {}): RequestEvent => ({
  deploymentId: "d1",
  deployment: "churn",
  version: 1,
  replica: "r1",
  status: 200,
  latencySeconds: 0.004,
  bytesIn: 100,
  bytesOut: 20,
  ...over,
});

describe("latency histogram", () => {
  it("puts a latency in the first bucket whose bound it does not exceed (Prometheus's le)", () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(0.0005)).toBe(0);
    expect(bucketOf(0.0006)).toBe(1);
    expect(bucketOf(0.01)).toBe(LATENCY_BOUNDS.indexOf(0.01));
    expect(bucketOf(1000)).toBe(LATENCY_BOUNDS.length);
  });

  it("takes quantiles from merged counts, interpolated inside the bucket", () => {
    const a = emptyHistogram();
    const b = emptyHistogram();
    for (let i = 0; i < 90; i++) observe(a, 0.004); // (0.003, 0.005]
    for (let i = 0; i < 10; i++) observe(b, 0.25); // (0.2, 0.3]
    const h = mergeInto(emptyHistogram(), a);
    mergeInto(h, b);
    expect(h.reduce((n, c) => n + c, 0)).toBe(100);
    // Rank 50 of 90 in (0.003, 0.005]: 0.003 + 0.002 * 50/90.
    expect(quantile(h, 0.5)).toBeCloseTo(0.003 + (0.002 * 50) / 90, 9);
    // Rank 99: the 9th of the 10 in (0.2, 0.3].
    expect(quantile(h, 0.99)).toBeCloseTo(0.2 + 0.1 * 0.9, 9);
    expect(quantile(emptyHistogram(), 0.5)).toBeNull();
    const slow = emptyHistogram();
    observe(slow, 120);
    expect(quantile(slow, 0.5)).toBe(60);
  });
});

describe("rollup batch", () => {
  it("keys rows by deployment, resolution, bucket and version, and counts errors apart", () => {
    const batch = new RollupBatch();
    const t = Date.UTC(2026, 0, 1, 12, 0, 30, 250);
    batch.add(event(), t);
    batch.add(event({ status: 400, latencySeconds: 0.02 }), t + 100);
    batch.add(event({ status: 503, version: null }), t + 900); // next second
    batch.add(event({ version: 2 }), t);
    const rows = batch.take();
    expect(batch.size).toBe(0);
    const seconds = rows.filter((r) => r.resolution === 1);
    const minutes = rows.filter((r) => r.resolution === 60);
    expect(seconds.map((r) => [r.bucket - Date.UTC(2026, 0, 1, 12, 0, 0), r.version, r.requests]).sort()).toEqual(
      [
        [30_000, 1, 2],
        [30_000, 2, 1],
        [31_000, 0, 1],
      ].sort(),
    );
    expect(minutes.map((r) => r.bucket)).toEqual(minutes.map(() => bucketStart(t, 60)));
    const v1 = minutes.find((r) => r.version === 1)!;
    expect([v1.requests, v1.errors4xx, v1.errors5xx, v1.bytesIn, v1.bytesOut]).toEqual([2, 1, 0, 200, 40]);
    expect(minutes.find((r) => r.version === 0)!.errors5xx).toBe(1);
  });

  it("folds a failed flush back into the next one", () => {
    const batch = new RollupBatch();
    const t = Date.UTC(2026, 0, 1);
    batch.add(event(), t);
    const failed = batch.take();
    batch.add(event(), t);
    batch.restore(failed);
    const [second] = batch.take().filter((r) => r.resolution === 1);
    expect(second!.requests).toBe(2);
    expect(second!.histogram[bucketOf(0.004)]).toBe(2);
  });

  it("sums versions into the deployment's figures over a window", () => {
    const h1 = emptyHistogram();
    const h2 = emptyHistogram();
    for (let i = 0; i < 3; i++) observe(h1, 0.004);
    observe(h2, 0.25);
    const total = sumTotals([
      { requests: 3, errors4xx: 1, errors5xx: 0, latencySum: 0.012, histogram: h1 },
      { requests: 1, errors4xx: 0, errors5xx: 1, latencySum: 0.25, histogram: h2 },
    ]);
    const f = figuresOf(total, 300);
    expect(f.requests).toBe(4);
    expect(f.rate).toBeCloseTo(4 / 300, 12);
    expect(f.errors).toEqual({ "4xx": 1, "5xx": 1 });
    expect(f.p99).toBeGreaterThan(0.2);
  });
});

describe("request log sampling", () => {
  it("keeps exactly the configured share per deployment, none at 0", () => {
    const s = new Sampler();
    const kept = Array.from({ length: 20 }, () => s.take("a", 0.25)).filter(Boolean).length;
    expect(kept).toBe(5);
    expect(Array.from({ length: 10 }, () => s.take("b", 0.1)).filter(Boolean).length).toBe(1);
    expect(Array.from({ length: 10 }, () => s.take("c", 0)).filter(Boolean).length).toBe(0);
    expect(Array.from({ length: 3 }, () => s.take("d", 1)).every(Boolean)).toBe(true);
  });
});
