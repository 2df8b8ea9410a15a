// Collaboration benchmark: N editors (stock y-websocket clients) typing into one notebook,
// against Tandem (persisting every update to Postgres) and, in the same run under the same load,
// the reference server @y/websocket-server (yjs 13, in memory only). Prints p50/p99 latency of a
// change's arrival at every other client, server CPU and memory, and the time to open (sync from
// cold) a large notebook. Not a test: `npx tsx test/bench/collab.bench.ts`.
//
// Load (environment): BENCH_EDITORS (200), BENCH_RATE changes/s per editor (5), BENCH_SECONDS (30),
// BENCH_WORKERS client processes (cores, at most 4), BENCH_COLD_CELLS (500), BENCH_COLD_MB (5).
import { type ChildProcess, fork, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { fromNbformat } from "@tandem/notebook/node";
import { type HttpClient, startTestServer } from "@tandem/testkit";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";

const env = (name: string, fallback: number) => {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${v}`);
  return n;
};
const EDITORS = env("BENCH_EDITORS", 200);
const RATE = env("BENCH_RATE", 5);
const SECONDS = env("BENCH_SECONDS", 30);
const WORKERS = env("BENCH_WORKERS", Math.min(4, cpus().length));
const COLD_CELLS = env("BENCH_COLD_CELLS", 500);
const COLD_MB = env("BENCH_COLD_MB", 5);
const workerPath = fileURLToPath(new URL("./collab/client-worker.ts", import.meta.url));
const peerPath = fileURLToPath(new URL("./collab/peer-server.ts", import.meta.url));
const now = () => performance.timeOrigin + performance.now();

interface Target {
  name: string;
  pid: number;
  /** ws:// base the providers connect to (room appended). */
  wsBase: string;
  params: Record<string, string>;
  /** Makes the room with one empty code cell per editor; answers its name and a keep-alive to close after. */
  prepare(cells: number): Promise<{ room: string; done(): void }>;
  close(): Promise<void>;
}

interface Result {
  p50: number;
  p99: number;
  max: number;
  delivered: number;
  expected: number;
  cpuPercent: number;
  peakRssMb: number;
}

/** utime + stime of a process, in seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : 0;
}

const notebookJson = (cells: number, outputBytes = 0) => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: Array.from({ length: cells }, (_, i) => ({
    id: `cell-${i}`,
    cell_type: "code",
    source: `# cell ${i}\nprint(${i})`,
    metadata: {},
    execution_count: outputBytes ? i + 1 : null,
    outputs: outputBytes ? [{ output_type: "stream", name: "stdout", text: "y".repeat(outputBytes) }] : [],
  })),
});

function ask<T>(child: ChildProcess, msg: object, type: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off("message", on);
      resolve(m as T);
    };
    child.on("message", on);
    child.send(msg);
  });
}

async function runLoad(target: Target, editors = EDITORS, seconds = SECONDS): Promise<Result> {
  const EDITORS = editors;
  const SECONDS = seconds;
  const { room, done } = await target.prepare(EDITORS);
  const workers = Array.from({ length: WORKERS }, () => fork(workerPath, [], { execArgv: ["--import", "tsx"] }));
  const per = Math.ceil(EDITORS / WORKERS);
  await Promise.all(
    workers.map((w, i) =>
      ask(
        w,
        {
          type: "start",
          serverUrl: target.wsBase,
          room,
          params: target.params,
          first: i * per,
          count: Math.max(0, Math.min(per, EDITORS - i * per)),
        },
        "ready",
      ),
    ),
  );
  const cpu0 = cpuSeconds(target.pid);
  const t0 = now();
  let peak = rssMb(target.pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(target.pid))), 250);
  await Promise.all(workers.map((w) => ask(w, { type: "type", rate: RATE, seconds: SECONDS }, "typed")));
  const cpu1 = cpuSeconds(target.pid);
  const t1 = now();
  // Let the last changes arrive everywhere.
  await new Promise((r) => setTimeout(r, 3000));
  clearInterval(sampler);
  const sentAll = await Promise.all(
    workers.map((w) => ask<{ sent: { clientId: number; times: number[] }[] }>(w, { type: "sent" }, "sent")),
  );
  const sent = sentAll.flatMap((s) => s.sent.map((e) => [e.clientId, e.times] as [number, number[]]));
  const arrived = await Promise.all(
    workers.map((w) =>
      ask<{ buckets: [number, number][]; missing: number; total: number }>(w, { type: "arrived", sent }, "arrived"),
    ),
  );
  for (const w of workers) w.send({ type: "stop" });
  done();
  const buckets = new Map<number, number>();
  let missing = 0;
  let total = 0;
  for (const a of arrived) {
    missing += a.missing;
    total += a.total;
    for (const [b, n] of a.buckets) buckets.set(b, (buckets.get(b) ?? 0) + n);
  }
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const count = total - missing;
  const pct = (p: number) => {
    let seen = 0;
    for (const [b, n] of sorted) {
      seen += n;
      if (seen >= p * count) return b / 10;
    }
    return Number.NaN;
  };
  return {
    p50: pct(0.5),
    p99: pct(0.99),
    max: (sorted.at(-1)?.[0] ?? Number.NaN) / 10,
    delivered: count,
    expected: total,
    cpuPercent: ((cpu1 - cpu0) / ((t1 - t0) / 1000)) * 100,
    peakRssMb: peak,
  };
}

function provider(wsBase: string, room: string, doc: Y.Doc, params: Record<string, string>) {
  return new WebsocketProvider(wsBase, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params,
    disableBc: true,
  });
}
const synced = (p: WebsocketProvider) => new Promise<void>((r) => (p.synced ? r() : p.once("sync", () => r())));

/** Time from connecting to synced, for a fresh client. */
async function openTime(
  wsBase: string,
  room: string,
  params: Record<string, string>,
): Promise<{ ms: number; cells: number }> {
  const doc = new Y.Doc();
  const t0 = now();
  const p = provider(wsBase, room, doc, params);
  await synced(p);
  const ms = now() - t0;
  const cells = doc.getArray("cells").length;
  p.destroy();
  return { ms, cells };
}

async function startPeer(): Promise<Target> {
  const child = spawn(process.execPath, ["--import", "tsx", peerPath], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve) => {
    child.stdout!.on("data", (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
  });
  const wsBase = `ws://127.0.0.1:${port}`;
  let n = 0;
  return {
    name: "@y/websocket-server 0.1.1 (peer)",
    pid: child.pid!,
    wsBase,
    params: {},
    async prepare(cells) {
      // The peer keeps no files: a seeding client puts the notebook in and stays (the peer
      // drops a document when its last client leaves).
      const room = `bench-${n++}`;
      const doc = fromNbformat(notebookJson(cells));
      const p = provider(wsBase, room, doc, {});
      await synced(p);
      return { room, done: () => p.destroy() };
    },
    async close() {
      child.kill("SIGTERM");
    },
  };
}

async function startTandem(): Promise<Target & { http: HttpClient; token: string; projectId: string }> {
  const server = await startTestServer({ process: true, env: { TANDEM_LOG_LEVEL: "warn" } });
  const http = server.admin;
  const project = await http.post("/api/projects", { name: "bench" });
  const projectId = project.body.id as string;
  return {
    name: "Tandem (persists every update)",
    pid: server.child!.pid!,
    wsBase: `${server.url.replace(/^http/, "ws")}/collab`,
    params: { token: server.adminToken },
    http,
    token: server.adminToken,
    projectId,
    async prepare(cells) {
      const res = await http.post(`/api/projects/${projectId}/notebooks/import?name=bench`, notebookJson(cells));
      if (res.status !== 201) throw new Error(`import failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { room: res.body.id, done() {} };
    },
    close: () => server.close(),
  };
}

const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");

async function main() {
  console.log(
    `collab benchmark: ${EDITORS} editors x ${RATE} changes/s x ${SECONDS} s, clients in ${WORKERS} processes, ${cpus().length} cores`,
  );
  const peer = await startPeer();
  const tandem = await startTandem();
  const results: [string, Result][] = [];
  try {
    // Warm-up (not measured): the first client processes compile and load their modules.
    for (const target of [peer, tandem]) await runLoad(target, Math.min(EDITORS, 10), 1);
    // BENCH_ORDER=tandem-first swaps the order, to check that order does not favour either.
    const order = process.env.BENCH_ORDER === "tandem-first" ? [tandem, peer] : [peer, tandem];
    for (const target of order) {
      process.stdout.write(`  running ${target.name} ...\n`);
      results.push([target.name, await runLoad(target)]);
    }

    console.log("\nlatency of a change to its arrival at every other client");
    console.log(
      `${"server".padEnd(36)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"max ms".padStart(9)}${"delivered".padStart(18)}${"CPU %core".padStart(11)}${"peak RSS MB".padStart(13)}`,
    );
    for (const [name, r] of results) {
      console.log(
        `${name.padEnd(36)}${fmt(r.p50).padStart(9)}${fmt(r.p99).padStart(9)}${fmt(r.max).padStart(9)}${`${r.delivered}/${r.expected}`.padStart(18)}${fmt(r.cpuPercent, 0).padStart(11)}${fmt(r.peakRssMb, 0).padStart(13)}`,
      );
    }
    const p = results.find(([name]) => name === peer.name)![1];
    const t = results.find(([name]) => name === tandem.name)![1];
    console.log(
      `ratio Tandem/peer: p50 ${fmt(t.p50 / p.p50, 2)}, p99 ${fmt(t.p99 / p.p99, 2)} (goal: p99 <= 1.00), CPU ${fmt(t.cpuPercent / p.cpuPercent, 2)}`,
    );
    console.log("(Tandem's CPU is the server process; its Postgres work is on top. The peer persists nothing.)");

    // Open a large notebook: Tandem from Postgres with no room loaded (cold); the peer from memory.
    const big = notebookJson(COLD_CELLS, Math.round((COLD_MB * 1024 * 1024) / COLD_CELLS));
    const imported = await tandem.http.post(`/api/projects/${tandem.projectId}/notebooks/import?name=big`, big);
    if (imported.status !== 201) throw new Error(`import of the large notebook failed: ${imported.status}`);
    const cold = await openTime(tandem.wsBase, imported.body.id, tandem.params);
    const warm = await openTime(tandem.wsBase, imported.body.id, tandem.params);
    const seeded = await peer.prepare(0);
    const seedDoc = fromNbformat(big);
    const seeder = provider(peer.wsBase, `${seeded.room}-big`, seedDoc, {});
    await synced(seeder);
    const peerOpen = await openTime(peer.wsBase, `${seeded.room}-big`, {});
    seeder.destroy();
    seeded.done();
    console.log(
      `\nopen a ${COLD_CELLS}-cell notebook with ${COLD_MB} MB of outputs: Tandem cold (from Postgres) ${fmt(cold.ms)} ms, ` +
        `Tandem warm ${fmt(warm.ms)} ms; peer (from memory) ${fmt(peerOpen.ms)} ms; ratio Tandem cold/peer ${fmt(cold.ms / peerOpen.ms, 2)}` +
        ` [cells: ${cold.cells}/${peerOpen.cells}]`,
    );
  } finally {
    await peer.close();
    await tandem.close();
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
