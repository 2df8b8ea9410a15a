import type { Db } from "@tandem/db";
import type {
  DashboardMark,
  DeploymentGlance,
  DeploymentStatus,
  LiveSnapshot,
  MetricsSeries,
  MetricsWindow,
  ReplicaStats,
} from "@tandem/protocol";
import type { Tracking } from "@tandem/tracking";
import type { Logger } from "pino";
import type { Replica } from "../replica.ts";
import * as deployments from "../store.ts";
import type { Monitor } from "./monitor.ts";
import { ReplicaUsage } from "./replica-stats.ts";
import { WINDOWS } from "./rollups.ts";
import { seriesOf } from "./series.ts";

export interface DashboardOptions {
  db: Db;
  log: Logger;
  monitor: Monitor;
  tracking: Tracking;
  clock: () => Date;
  /** This server's replicas of a deployment. */
  replicas: (deploymentId: string) => Replica[];
  /** How often live snapshots are pushed (default 1 s). */
  pushMs?: number;
}

export type LiveListener = (snapshot: LiveSnapshot) => void;

/**
 * What the dashboard reads: a window's series with the deployment's changes as marks, replicas'
 * usage, a project's deployments at a glance, and live snapshots pushed to subscribers (one
 * computation per deployment and window per tick, however many watch it).
 */
export class Dashboard {
  private readonly usage = new ReplicaUsage();
  private readonly watchers = new Map<string, { id: string; window: MetricsWindow; listeners: Set<LiveListener> }>();
  private timer?: NodeJS.Timeout;
  private ticking = false;

  constructor(private readonly o: DashboardOptions) {}

  /** A window's points and the marks that fall in it. */
  async series(deploymentId: string, window: MetricsWindow): Promise<MetricsSeries> {
    const row = await deployments.deploymentRow(this.o.db, deploymentId);
    const now = this.o.clock().getTime();
    const [series, marks] = await Promise.all([
      seriesOf(this.o.db, row.id, window, now),
      this.marks(row, now - WINDOWS[window] * 1000),
    ]);
    return { ...series, marks };
  }

  /** Deployment changes (history) and moves of its model's aliases since `sinceMs`, oldest first. */
  private async marks(row: deployments.DeploymentRow, sinceMs: number): Promise<DashboardMark[]> {
    const history = (await deployments.history(this.o.db, row.id))
      .map((h) => ({ at: Date.parse(h.at), kind: h.action, label: markLabel(h.action, h.versions) }))
      .filter((m) => m.at >= sinceMs);
    const model = await this.o.tracking.models.registered.row(row.model).catch(() => null);
    const aliases = model
      ? (await this.o.tracking.models.aliases.history(model))
          .filter((e) => e.at >= sinceMs)
          .map((e) => ({
            at: e.at,
            kind: "alias",
            label: e.toVersion === null ? `@${e.alias} removed` : `@${e.alias} → v${e.toVersion}`,
          }))
      : [];
    return [...history, ...aliases].sort((a, b) => a.at - b.at);
  }

  async replicaStats(deploymentId: string): Promise<ReplicaStats[]> {
    const replicas = this.o.replicas(deploymentId);
    return Promise.all(
      replicas.map(async (r) => ({
        id: r.id,
        version: r.version,
        state: r.state,
        restarts: r.restarts,
        pid: r.pid,
        ...(await this.usage.read(r.pid)),
      })),
    );
  }

  async snapshot(deploymentId: string, window: MetricsWindow): Promise<LiveSnapshot> {
    const row = await deployments.deploymentRow(this.o.db, deploymentId);
    const [summary, series, replicas] = await Promise.all([
      this.o.monitor.metrics(row.id, window),
      this.series(row.id, window),
      this.replicaStats(row.id),
    ]);
    return {
      at: this.o.clock().getTime(),
      status: row.status as DeploymentStatus,
      serving: row.serving.map((s) => ({ version: s.version, weight: s.weight })),
      summary,
      series,
      replicas,
    };
  }

  /** Every deployment of a project with its traffic, p99 and error rate over a window. */
  async overview(projectId: string, window: MetricsWindow): Promise<DeploymentGlance[]> {
    const rows = await deployments.deploymentRows(this.o.db, { projectId });
    return Promise.all(
      rows.map(async (row) => {
        const m = await this.o.monitor.metrics(row.id, window);
        const errors = m.errors["4xx"] + m.errors["5xx"];
        return {
          id: row.id,
          name: row.name,
          model: row.model,
          status: row.status as DeploymentStatus,
          serving: row.serving.map((s) => ({ version: s.version, weight: s.weight })),
          window,
          requests: m.requests,
          rate: m.rate,
          p99: m.p99,
          errorRate: m.requests ? errors / m.requests : 0,
          errors: m.errors,
        };
      }),
    );
  }

  /**
   * Pushes a snapshot now and then about every second (after the recorded requests are flushed)
   * until the returned function is called.
   */
  watch(deploymentId: string, window: MetricsWindow, listener: LiveListener): () => void {
    const key = `${deploymentId}|${window}`;
    const w = this.watchers.get(key) ?? { id: deploymentId, window, listeners: new Set<LiveListener>() };
    this.watchers.set(key, w);
    w.listeners.add(listener);
    void this.snapshot(deploymentId, window)
      .then((s) => listener(s))
      .catch((err) => this.o.log.warn({ err }, "a live dashboard snapshot failed"));
    this.timer ??= setInterval(() => void this.tick(), this.o.pushMs ?? 1000);
    return () => {
      w.listeners.delete(listener);
      if (!w.listeners.size) this.watchers.delete(key);
      if (!this.watchers.size && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private async tick() {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.o.monitor.flush();
      await Promise.all(
        [...this.watchers.values()].map(async (w) => {
          const s = await this.snapshot(w.id, w.window).catch((err) => {
            this.o.log.warn({ err }, "a live dashboard snapshot failed");
            return null;
          });
          if (s) for (const l of w.listeners) l(s);
        }),
      );
      const live = new Set(
        [...this.watchers.values()].flatMap((w) => this.o.replicas(w.id).flatMap((r) => (r.pid ? [r.pid] : []))),
      );
      this.usage.keepOnly(live);
    } finally {
      this.ticking = false;
    }
  }

  close() {
    clearInterval(this.timer);
    this.watchers.clear();
  }
}

function markLabel(action: string, versions: number[]): string {
  const vs = versions.map((v) => `v${v}`).join(" + ");
  return vs ? `${action} ${vs}` : action;
}
