import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { LATENCY_BOUNDS } from "./histogram.ts";
import type { RequestEvent } from "./rollups.ts";

/** What the replica gauges read at scrape time. */
export interface ReplicaView {
  deployment: string;
  replica: string;
  version: number;
  state: string;
  restarts: number;
}

/** Deployments' series in Prometheus's text format: a counter and a histogram per request, replica gauges. */
export class DeploymentSeries {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "tandem_deployment_requests_total",
    help: "Requests through /deployments/<name>/, by the version that answered and the status code",
    labelNames: ["deployment", "version", "code"] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: "tandem_deployment_request_duration_seconds",
    help: "Time from the request reaching the proxy to its answer",
    labelNames: ["deployment", "version"] as const,
    buckets: [...LATENCY_BOUNDS],
    registers: [this.registry],
  });

  private readonly unknownRequests = new Counter({
    name: "tandem_deployment_unknown_requests_total",
    help: "Requests to /deployments/<name>/ naming no deployment (one series, whatever the name)",
    registers: [this.registry],
  });

  constructor(replicas: () => ReplicaView[]) {
    new Gauge({
      name: "tandem_deployment_replicas",
      help: "Replicas on this server, by deployment, version and state",
      labelNames: ["deployment", "version", "state"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const r of replicas()) this.inc({ deployment: r.deployment, version: String(r.version), state: r.state });
      },
    });
    new Gauge({
      name: "tandem_deployment_replica_restarts",
      help: "Times each replica was restarted after it exited",
      labelNames: ["deployment", "version", "replica"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const r of replicas())
          this.set({ deployment: r.deployment, version: String(r.version), replica: r.replica }, r.restarts);
      },
    });
  }

  unknown(): void {
    this.unknownRequests.inc();
  }

  observe(e: RequestEvent): void {
    const version = e.version === null ? "none" : String(e.version);
    this.requests.inc({ deployment: e.deployment, version, code: String(e.status) });
    this.duration.observe({ deployment: e.deployment, version }, e.latencySeconds);
  }
}
