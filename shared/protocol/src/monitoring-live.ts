import { z } from "zod";
import { DeploymentStatus } from "./deployments.ts";
import { DeploymentMetrics, MetricsWindow } from "./monitoring.ts";

/** One version's columns in a series (rates per second, latency in seconds; null: no requests). */
const VersionSeries = z
  .object({
    version: z.number().int().nullable().describe("null: no version answered (refused, no ready replica)"),
    rate: z.array(z.number()),
    errors4xx: z.array(z.number()),
    errors5xx: z.array(z.number()),
    p99: z.array(z.number().nullable()),
  })
  .meta({ id: "VersionSeries" });

/** Something that happened to a deployment, drawn as a mark on its charts. */
export const DashboardMark = z
  .object({
    at: z.number().describe("Epoch milliseconds"),
    kind: z.string().describe("`rollout`-style history actions (deployed, rollout, rolled back, …) or `alias`"),
    label: z.string(),
  })
  .meta({ id: "DashboardMark" });
export type DashboardMark = z.infer<typeof DashboardMark>;

export const MetricsSeries = z
  .object({
    window: MetricsWindow,
    step: z.number().int().describe("Seconds per point"),
    times: z.array(z.number()).describe("Each point's start, epoch seconds (uPlot's x axis)"),
    rate: z.array(z.number()).describe("Requests per second"),
    errors4xx: z.array(z.number()).describe("4xx answers per second"),
    errors5xx: z.array(z.number()).describe("5xx answers per second"),
    p50: z.array(z.number().nullable()),
    p95: z.array(z.number().nullable()),
    p99: z.array(z.number().nullable()),
    byVersion: z.array(VersionSeries),
    marks: z.array(DashboardMark).describe("Deployment changes and alias moves of its model in the window"),
  })
  .meta({ id: "MetricsSeries" });
export type MetricsSeries = z.infer<typeof MetricsSeries>;

export const ReplicaStats = z
  .object({
    id: z.string(),
    version: z.number().int(),
    state: z.string(),
    restarts: z.number().int(),
    pid: z.number().int().nullable(),
    cpu: z.number().nullable().describe("Cores in use (1 = one core busy), from /proc; null before two readings"),
    memoryBytes: z.number().nullable().describe("Resident memory of the replica's processes"),
    gpu: z
      .object({ utilization: z.number().describe("Percent, of its GPUs"), memoryBytes: z.number() })
      .nullable()
      .describe("Only where nvidia-smi is present and the replica uses a GPU"),
  })
  .meta({ id: "ReplicaStats" });
export type ReplicaStats = z.infer<typeof ReplicaStats>;

/** What the live route pushes about once a second. */
export const LiveSnapshot = z
  .object({
    at: z.number().describe("Epoch milliseconds (the server's clock)"),
    status: DeploymentStatus,
    serving: z.array(z.object({ version: z.number().int(), weight: z.number() })),
    summary: DeploymentMetrics,
    series: MetricsSeries,
    replicas: z.array(ReplicaStats),
  })
  .meta({ id: "LiveSnapshot" });
export type LiveSnapshot = z.infer<typeof LiveSnapshot>;

/** A project's deployments at a glance. */
export const DeploymentGlance = z
  .object({
    id: z.string(),
    name: z.string(),
    model: z.string(),
    status: DeploymentStatus,
    serving: z.array(z.object({ version: z.number().int(), weight: z.number() })),
    window: MetricsWindow,
    requests: z.number().int(),
    rate: z.number(),
    p99: z.number().nullable(),
    errorRate: z.number().describe("Share of requests answered 4xx or 5xx (0..1; 0 without requests)"),
    errors: z.object({ "4xx": z.number().int(), "5xx": z.number().int() }),
  })
  .meta({ id: "DeploymentGlance" });
export type DeploymentGlance = z.infer<typeof DeploymentGlance>;
