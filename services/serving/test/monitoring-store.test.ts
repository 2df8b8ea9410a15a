import { type Database, openDatabase, schema } from "@tandem/db";
import { createTestDatabase, type TestDatabase } from "@tandem/testkit";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Monitor } from "../src/monitoring/monitor.ts";
import type { RequestEvent } from "../src/monitoring/rollups.ts";

// The rollups' SQL (array merge on conflict, per-bucket sums, pruning) on both databases Tandem runs on.
const pg: { db?: Database; test?: TestDatabase } = {};
beforeAll(async () => {
  pg.test = await createTestDatabase();
  pg.db = await openDatabase({ url: pg.test.url });
});
afterAll(async () => {
  await pg.db?.close();
  await pg.test?.drop();
});

async function deployment(database: Database) {
  await database.migrate();
  const { db } = database;
  const [project] = await db.insert(schema.projects).values({ name: "p" }).returning();
  const [model] = await db
    .insert(schema.registeredModels)
    .values({ projectId: project!.id, name: "m", creationTime: 0, lastUpdatedTime: 0 })
    .returning();
  const [d] = await db
    .insert(schema.deployments)
    .values({ projectId: project!.id, name: "d", registeredModelId: model!.id, version: 1 })
    .returning();
  return d!.id;
}

const ev = (id: string, over: Partial<RequestEvent> = {}): RequestEvent => ({
  deploymentId: id,
  deployment: "d",
  version: 1,
  replica: "r1",
  status: 200,
  latencySeconds: 0.004,
  bytesIn: 10,
  bytesOut: 5,
  ...over,
});
const noBodies = { input: null, output: null };
const sampling = { rate: 1, sensitive: false };

describe.each(["pglite", "postgres"])("monitoring store on %s", (kind) => {
  it("merges flushes into the same buckets, answers windows by the injected clock, and prunes by retention", async () => {
    const database = kind === "pglite" ? await openDatabase({ dataDir: "memory://" }) : pg.db!;
    try {
      const id = await deployment(database);
      let now = Date.UTC(2026, 0, 1, 12, 0, 10);
      const monitor = new Monitor({
        db: database.db,
        log: pino({ level: "silent" }),
        clock: () => new Date(now),
        flushMs: 3_600_000,
        retentionDays: 1,
        replicas: () => [],
      });
      monitor.record(ev(id), sampling, noBodies);
      monitor.record(ev(id, { status: 500, latencySeconds: 0.25 }), sampling, noBodies);
      // A deployment deleted before the flush: its requests are dropped, not the batch.
      const gone = "00000000-0000-4000-8000-000000000000";
      monitor.record(ev(gone), sampling, noBodies);
      await monitor.flush();
      // Same second and minute again: the rows add up (histograms cell by cell).
      monitor.record(ev(id, { version: 2, status: 404 }), sampling, noBodies);
      monitor.record(ev(id), sampling, noBodies);
      await monitor.flush();
      const m = await monitor.metrics(id, "5m");
      expect(m).toMatchObject({ requests: 4, errors: { "4xx": 1, "5xx": 1 } });
      expect(m.byVersion.map((v) => [v.version, v.requests])).toEqual([
        [1, 3],
        [2, 1],
      ]);
      expect(m.p50).toBeGreaterThan(0.003);
      expect(m.p50).toBeLessThanOrEqual(0.005);
      expect(m.p99).toBeGreaterThan(0.2);
      expect((await monitor.requests(id, { limit: 10 })).map((r) => r.status)).toEqual([200, 404, 500, 200]);

      // Two days on: out of every window; the next flush prunes past the one-day retention.
      now += 2 * 86_400_000;
      expect((await monitor.metrics(id, "7d")).requests).toBe(4);
      expect((await monitor.metrics(id, "24h")).requests).toBe(0);
      await monitor.flush();
      expect((await monitor.metrics(id, "7d")).requests).toBe(0);
      expect(await monitor.requests(id, { limit: 10 })).toEqual([]);
      await monitor.close();
    } finally {
      if (kind === "pglite") await database.close();
    }
    // PGlite's migrations take a while on a loaded machine.
  }, 120_000);
});
