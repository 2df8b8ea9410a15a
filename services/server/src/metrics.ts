import type { Collab } from "@tandem/collab";
import { type Db, schema } from "@tandem/db";
import type { Kernels } from "@tandem/kernels";
import type { Scheduler } from "@tandem/scheduler";
import type { Serving } from "@tandem/serving";
import { count, inArray } from "drizzle-orm";
import { Gauge, Registry } from "prom-client";

interface Sources {
  db: Db;
  collab: Collab;
  kernels: Kernels;
  scheduler: Scheduler;
  serving: Serving;
}

/**
 * `GET /metrics`: the deployments' series (serving's registry) and the server's own gauges, read
 * when Prometheus scrapes (nothing is computed in between).
 */
export function prometheusExport(s: Sources) {
  const own = new Registry();
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [own],
      collect() {
        this.set(read());
      },
    });
  gauge("tandem_collab_rooms", "Notebook rooms loaded in memory", () => s.collab.stats().rooms);
  gauge("tandem_collab_connections", "Open collaboration WebSockets", () => s.collab.stats().connections);
  gauge("tandem_kernels_running", "Kernels running (pooled ones apart)", () => s.kernels.stats().running);
  gauge("tandem_kernels_pooled", "Pre-started kernels waiting in the pool", () => s.kernels.stats().pooled);
  gauge("tandem_runs_executing", "Headless runs this server's workers execute now", () => s.scheduler.stats().running);
  new Gauge({
    name: "tandem_runs_queued",
    help: "Headless runs waiting for a worker (every server's)",
    registers: [own],
    async collect() {
      const [row] = await s.db
        .select({ n: count() })
        .from(schema.notebookRuns)
        .where(inArray(schema.notebookRuns.status, ["queued"]));
      this.set(Number(row?.n ?? 0));
    },
  });
  new Gauge({
    name: "tandem_environment_builds",
    help: "Environment versions being resolved or built, or waiting to be",
    registers: [own],
    async collect() {
      const [row] = await s.db
        .select({ n: count() })
        .from(schema.environments)
        .where(inArray(schema.environments.status, ["queued", "resolving", "building"]));
      this.set(Number(row?.n ?? 0));
    },
  });
  const all = Registry.merge([own, s.serving.prometheus]);
  return { render: async () => ({ body: await all.metrics(), contentType: all.contentType }) };
}
