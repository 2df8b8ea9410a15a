import type { Db } from "@tandem/db";
import type { MetricsWindow, RequestLogQuery } from "@tandem/protocol";
import type { Tracking } from "@tandem/tracking";
import type { Logger } from "pino";
import type { DeploymentRuntime } from "../runtime.ts";
import * as store from "../store.ts";
import { Dashboard, type LiveListener } from "./dashboard.ts";
import { Monitor } from "./monitor.ts";

export interface MonitoringOptions {
  db: Db;
  log: Logger;
  tracking: Tracking;
  clock?: () => Date;
  retentionDays?: number;
  /** This server's deployments' replicas, by deployment id. */
  runtimes: Map<string, DeploymentRuntime>;
  /** Deployments' names by id (the replica gauges' labels). */
  names: Map<string, string>;
}

/** Deployments' monitoring: the recorder on the proxy's path and what serving's face offers of it. */
export function createMonitoring(o: MonitoringOptions) {
  const { db } = o;
  const monitor = new Monitor({
    db,
    log: o.log,
    clock: o.clock,
    retentionDays: o.retentionDays,
    replicas: () =>
      [...o.runtimes].flatMap(([id, rt]) =>
        rt.replicas().map((r) => ({
          deployment: o.names.get(id) ?? id,
          replica: r.id,
          version: r.version,
          state: r.state,
          restarts: r.restarts,
        })),
      ),
  });
  const dashboard = new Dashboard({
    db,
    log: o.log,
    monitor,
    tracking: o.tracking,
    clock: o.clock ?? (() => new Date()),
    replicas: (id) => o.runtimes.get(id)?.replicas() ?? [],
  });
  const idOf = async (idOrName: string) => (await store.deploymentRow(db, idOrName)).id;

  const face = {
    /** Requests, rate, errors and latency quantiles over a window (what was flushed). */
    metrics: async (id: string, window: MetricsWindow) => monitor.metrics(await idOf(id), window),
    /** A window as a chart's columns, with the deployment's changes and alias moves as marks. */
    series: (id: string, window: MetricsWindow) => dashboard.series(id, window),
    /** What the dashboard shows, once (what a live snapshot holds). */
    snapshot: async (id: string, window: MetricsWindow) => dashboard.snapshot(await idOf(id), window),
    /** Live snapshots about once a second (and one at once); returns the function that stops them. */
    watch: async (id: string, window: MetricsWindow, listener: LiveListener) =>
      dashboard.watch(await idOf(id), window, listener),
    /** A project's deployments with their traffic, p99 and error rate. */
    overview: (projectId: string, window: MetricsWindow) => dashboard.overview(projectId, window),
    /** Counts a request the proxy refused before serving it (401, 403, or a name that is no deployment). */
    async refused(name: string, status: number, latencySeconds: number, bytesIn: number) {
      const row = await store.deploymentRow(db, name).catch(() => null);
      monitor.refused(row && { id: row.id, name: row.name }, status, latencySeconds, bytesIn);
    },
    /** Whether requests are recorded (on; the benchmark measures the cost by turning it off). */
    setRecording: (on: boolean) => {
      monitor.recording = on;
    },
    /** The sampled request log (inputs and predictions), newest first. */
    requestLog: async (id: string, q: RequestLogQuery) => monitor.requests(await idOf(id), q),
    /** Writes recorded requests now (the timer does it every second). */
    flushMetrics: () => monitor.flush(),
    /** Deployments' Prometheus series (prom-client registry). */
    prometheus: monitor.series.registry,
  };
  return {
    monitor,
    face,
    async close() {
      dashboard.close();
      await monitor.close();
    },
  };
}
