// Monitoring benchmark. Prints:
//  (a) what recording adds to a request on the proxy's path: `Monitor.record()` per call (p50/p99 over
//      batches of 1000 calls, µs), against the same loop with recording off, in the same run
//      (goal: ≤ 50 µs at p50);
//  (b) a 7-day dashboard query (`GET …/metrics?window=7d`'s work) over the rollups of 10 deployments
//      with two versions each, a week of minutes and of hours filled (goal: < 100 ms per deployment);
//      the window reads whole hours from per-hour rollups and the first partial hour from per-minute ones.
// Not a test: `npm run bench -- monitoring`. Needs Postgres (the tests' one).
import { performance } from "node:perf_hooks";
import { openDatabase, schema } from "@tandem/db";
import { createTestDatabase } from "@tandem/testkit";
import { sql } from "drizzle-orm";
import pino from "pino";
import { emptyHistogram, observe } from "../../services/serving/src/monitoring/histogram.ts";
import { Monitor } from "../../services/serving/src/monitoring/monitor.ts";
import type { RequestEvent } from "../../services/serving/src/monitoring/rollups.ts";

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const testDb = await createTestDatabase();
const database = await openDatabase({ url: testDb.url, dataDir: "" });
await database.migrate();
const db = database.db;
const log = pino({ level: "silent" });

const [project] = await db.insert(schema.projects).values({ name: "bench" }).returning();
const ids: string[] = [];
for (let i = 0; i < 10; i++) {
  const [model] = await db
    .insert(schema.registeredModels)
    .values({ projectId: project!.id, name: `m${i}`, creationTime: Date.now(), lastUpdatedTime: Date.now() })
    .returning();
  const [d] = await db
    .insert(schema.deployments)
    .values({ projectId: project!.id, name: `d${i}`, registeredModelId: model!.id, version: 1 })
    .returning();
  ids.push(d!.id);
}

// (a) the request path.
const monitor = new Monitor({ db, log, replicas: () => [], flushMs: 1000 });
const event = (i: number): RequestEvent => ({
  deploymentId: ids[i % 10]!,
  deployment: `d${i % 10}`,
  version: 1 + (i % 2),
  replica: "r1",
  status: i % 50 ? 200 : 400,
  latencySeconds: 0.002 + (i % 100) / 10_000,
  bytesIn: 120,
  bytesOut: 30,
});
const body = new TextEncoder().encode('{"dataframe_split":{"columns":["a"],"data":[[1]]}}').buffer as ArrayBuffer;
const sampling = { rate: 0.01, sensitive: false };
const on: number[] = [];
const off: number[] = [];
let sink = 0;
for (let round = 0; round < 400; round++) {
  let t = performance.now();
  for (let i = 0; i < 1000; i++) monitor.record(event(i), sampling, { input: body, output: body });
  on.push(((performance.now() - t) * 1000) / 1000);
  t = performance.now();
  for (let i = 0; i < 1000; i++) sink += event(i).status;
  off.push(((performance.now() - t) * 1000) / 1000);
  if (round % 50 === 49) await monitor.flush();
}
await monitor.close();
console.log(
  `(a) record() per request: p50 ${pct(on, 50).toFixed(2)} µs, p99 ${pct(on, 99).toFixed(2)} µs; ` +
    `off (same loop): p50 ${pct(off, 50).toFixed(2)} µs; added at p50 ${(pct(on, 50) - pct(off, 50)).toFixed(2)} µs ` +
    `(goal ≤ 50) [${sink > 0 ? "ok" : ""}]`,
);

// (b) a week of per-minute rollups for 10 deployments x 2 versions, then the 7-day query.
await db.delete(schema.deploymentRollups);
const now = Date.now();
const minutes = 7 * 24 * 60;
const t0 = performance.now();
const h = emptyHistogram();
for (let k = 0; k < 5; k++) observe(h, 0.003 + k * 0.004);
// Generated in the database: a week of minutes x 10 deployments x 2 versions, 5 requests each.
await db.execute(
  sql.raw(`INSERT INTO deployment_rollups
    SELECT d.id::uuid, 60, date_trunc('minute', to_timestamp(${now / 1000})) - m * interval '1 minute', v,
           5, 0, 0, 0.055, 600, 150, '{${h.join(",")}}'::int[]
    FROM unnest(ARRAY['${ids.join("','")}']) AS d(id), generate_series(0, ${minutes - 1}) AS m, (VALUES (1), (2)) AS vv(v)`),
);
// The per-hour rollups the recorder writes beside them (the 7-day window reads whole hours from these).
await db.execute(
  sql.raw(`INSERT INTO deployment_rollups
    SELECT d.id::uuid, 3600, date_trunc('hour', to_timestamp(${now / 1000})) - m * interval '1 hour', v,
           300, 0, 0, 3.3, 36000, 9000, '{${h.map((c) => c * 60).join(",")}}'::int[]
    FROM unnest(ARRAY['${ids.join("','")}']) AS d(id), generate_series(0, 7 * 24) AS m, (VALUES (1), (2)) AS vv(v)`),
);
console.log(`    filled ${10 * minutes * 2} per-minute rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
await db.execute(sql`ANALYZE deployment_rollups`);
const reader = new Monitor({ db, log, replicas: () => [] });
const times: number[] = [];
for (let round = 0; round < 3; round++)
  for (const id of ids) {
    const t = performance.now();
    const m = await reader.metrics(id, "7d");
    times.push(performance.now() - t);
    // Whole hours from per-hour rows, the part before the first whole hour from per-minute ones.
    if (Math.abs(m.requests - minutes * 10) > 600)
      throw new Error(`7d requests ${m.requests}, ~${minutes * 10} expected`);
  }
await reader.close();
console.log(
  `(b) 7-day query per deployment (10 deployments, ${minutes * 2} per-minute rows each): p50 ${pct(times, 50).toFixed(1)} ms, ` +
    `max ${Math.max(...times).toFixed(1)} ms (goal < 100)`,
);
await database.close();
await testDb.drop();
