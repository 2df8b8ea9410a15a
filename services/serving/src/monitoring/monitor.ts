import type { Db } from "@tandem/db";
import type { DeploymentMetrics, LoggedRequest, MetricsWindow, RequestLogQuery } from "@tandem/protocol";
import type { Logger } from "pino";
import { DeploymentSeries, type ReplicaView } from "./prometheus.ts";
import { figuresOf, type RequestEvent, RollupBatch, rangesFor, Sampler, sumTotals, WINDOWS } from "./rollups.ts";
import * as store from "./store.ts";

export interface MonitorOptions {
  db: Db;
  log: Logger;
  /** What time it is (the buckets' times; tests move it). */
  clock?: () => Date;
  /** How often the batch goes to the database (default 1 s: a SIGKILL loses at most that). */
  flushMs?: number;
  /** How long per-minute rollups and the request log are kept (default 30 days). */
  retentionDays?: number;
  /** What the replica gauges read. */
  replicas: () => ReplicaView[];
}

/** How a deployment's requests are sampled into the request log. */
export interface Sampling {
  rate: number;
  sensitive: boolean;
}

const NOT_LOGGED: Sampling = { rate: 0, sensitive: true };
/** Bodies kept per logged request (the rest is cut). */
const BODY_LIMIT = 16 * 1024;
/** Logged requests waiting for a flush, at most (a database outage must not grow memory). */
const PENDING_LIMIT = 10_000;
/** Per-second rollups serve the 5-minute window only. */
const SECONDS_KEPT_MS = 60 * 60 * 1000;

const text = (body: ArrayBuffer | null) =>
  body ? new TextDecoder().decode(new Uint8Array(body, 0, Math.min(body.byteLength, BODY_LIMIT))) : null;

/**
 * Recording of deployments' requests: `record` only adds to memory (no database write on the
 * request path); every second the batch is flushed into the rollups and the request log.
 */
export class Monitor {
  readonly series: DeploymentSeries;
  private batch = new RollupBatch();
  private pending: store.LoggedRequest[] = [];
  private sampler = new Sampler();
  private readonly clock: () => Date;
  private timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private lastPrune = 0;

  constructor(private readonly o: MonitorOptions) {
    this.clock = o.clock ?? (() => new Date());
    this.series = new DeploymentSeries(o.replicas);
    this.timer = setInterval(() => void this.flush(), o.flushMs ?? 1000);
    this.timer.unref();
  }

  /** Off only to measure what recording costs (the benchmark turns it off and on in one run). */
  recording = true;

  record(e: RequestEvent, sampling: Sampling, bodies: { input: ArrayBuffer | null; output: ArrayBuffer | null }): void {
    if (!this.recording) return;
    const at = this.clock();
    this.batch.add(e, at.getTime());
    this.series.observe(e);
    const logged = !sampling.sensitive && this.sampler.take(e.deploymentId, sampling.rate);
    if (logged && this.pending.length < PENDING_LIMIT)
      this.pending.push({
        deploymentId: e.deploymentId,
        at,
        version: e.version,
        replica: e.replica,
        status: e.status,
        latencySeconds: e.latencySeconds,
        bytesIn: e.bytesIn,
        bytesOut: e.bytesOut,
        input: text(bodies.input),
        output: text(bodies.output),
      });
  }

  /**
   * A request refused before it reached serving (401, 403): counted under its deployment, with no
   * version and never logged (the caller's body is not kept). A name that is no deployment goes
   * to one unlabelled counter, so callers cannot create series by inventing names.
   */
  refused(deployment: { id: string; name: string } | null, status: number, latencySeconds: number, bytesIn: number) {
    if (!this.recording) return;
    if (!deployment) return this.series.unknown();
    const e = { deploymentId: deployment.id, deployment: deployment.name, version: null, replica: null };
    this.record({ ...e, status, latencySeconds, bytesIn, bytesOut: 0 }, NOT_LOGGED, { input: null, output: null });
  }

  /** Writes what was recorded so far (one flush at a time); a failed batch waits for the next. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const rollups = this.batch.take();
      const logged = this.pending;
      this.pending = [];
      try {
        await store.writeRollups(this.o.db, rollups).catch(async (err) => {
          // A deployment deleted since its requests were recorded: its rows go, the others are written.
          const live = await store.existing(this.o.db, [...new Set(rollups.map((r) => r.deploymentId))]);
          if (live.size === new Set(rollups.map((r) => r.deploymentId)).size) throw err;
          rollups.splice(0, rollups.length, ...rollups.filter((r) => live.has(r.deploymentId)));
          logged.splice(0, logged.length, ...logged.filter((r) => live.has(r.deploymentId)));
          await store.writeRollups(this.o.db, rollups);
        });
      } catch (err) {
        this.batch.restore(rollups);
        this.pending = [...logged, ...this.pending].slice(0, PENDING_LIMIT);
        this.o.log.warn({ err }, "writing deployment metrics failed; retrying with the next batch");
        return;
      }
      try {
        await store.writeRequests(this.o.db, logged);
      } catch (err) {
        this.o.log.warn({ err, dropped: logged.length }, "writing the request log failed");
      }
      await this.pruneIfDue();
    });
    return this.flushing;
  }

  private async pruneIfDue() {
    const now = this.clock().getTime();
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    const days = this.o.retentionDays ?? 30;
    await store
      .prune(this.o.db, {
        secondsBefore: new Date(now - SECONDS_KEPT_MS),
        before: new Date(now - days * 86_400_000),
      })
      .catch((err) => this.o.log.warn({ err }, "pruning deployment metrics failed"));
  }

  /** A window's figures, from the database (flushed requests only). */
  async metrics(deploymentId: string, window: MetricsWindow): Promise<DeploymentMetrics> {
    const seconds = WINDOWS[window];
    const byVersion = await store.windowTotals(this.o.db, deploymentId, rangesFor(window, this.clock().getTime()));
    const versions = [...byVersion.entries()].sort(([a], [b]) => a - b);
    return {
      window,
      ...figuresOf(sumTotals([...byVersion.values()]), seconds),
      byVersion: versions.map(([version, t]) => ({ version: version || null, ...figuresOf(t, seconds) })),
    };
  }

  /** Sampled requests, newest first (flushed ones). */
  async requests(deploymentId: string, q: RequestLogQuery): Promise<LoggedRequest[]> {
    const rows = await store.requestLog(this.o.db, deploymentId, {
      ...q,
      since: q.since ? new Date(q.since) : undefined,
      before: q.before ? new Date(q.before) : undefined,
    });
    return rows.map((r) => ({
      at: r.at.toISOString(),
      version: r.version,
      replica: r.replica,
      status: r.status,
      latency: r.latencySeconds,
      bytesIn: r.bytesIn,
      bytesOut: r.bytesOut,
      input: r.input,
      output: r.output,
    }));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
