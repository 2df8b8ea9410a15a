// Ingestion through MLflow's log-batch: Tandem (real Postgres) against MLflow's own `mlflow server`
// (SQLite backend), same HTTP client, same machine, same run; then the time to list 10,000 runs
// with their latest metrics through Tandem's API.
//
//   npx tsx test/bench/tracking.bench.ts
//   BENCH_RUNS=100 BENCH_POINTS=100000 npx tsx test/bench/tracking.bench.ts   # the full size
//
// Env: BENCH_RUNS (runs, default 4), BENCH_POINTS (metric points per run, default 20000),
// BENCH_CONCURRENCY (batches in flight, default 4), BENCH_LIST_RUNS (default 10000),
// BENCH_MLFLOW_VERSION (pip pin for the peer, default 3.17.2, the tests' client version).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createUser, repoRoot, startTestServer } from "@tandem/testkit";
import postgres from "postgres";

const RUNS = Number(process.env.BENCH_RUNS ?? 4);
const POINTS = Number(process.env.BENCH_POINTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const LIST_RUNS = Number(process.env.BENCH_LIST_RUNS ?? 10_000);
const MLFLOW_VERSION = process.env.BENCH_MLFLOW_VERSION ?? "3.17.2";
const BATCH = 1000; // MLflow's log-batch limit
const METRIC_KEYS = ["loss", "accuracy", "lr", "grad_norm"];

const cacheDir = join(repoRoot, ".cache/bench-mlflow");
const venvPython = join(cacheDir, "bin/python");

/** The peer: pip's full `mlflow` (it has the server), in its own venv made with uv. */
function ensureMlflowServer(): void {
  if (existsSync(venvPython)) {
    try {
      const v = execFileSync(venvPython, ["-c", "import mlflow.server, mlflow; print(mlflow.__version__)"])
        .toString()
        .trim();
      if (v === MLFLOW_VERSION) return;
    } catch {}
  }
  console.log(`installing mlflow==${MLFLOW_VERSION} into ${cacheDir} (uv)…`);
  execFileSync("uv", ["venv", "--quiet", "--python", "python3", "--python-preference", "only-system", cacheDir], {
    stdio: "inherit",
  });
  execFileSync("uv", ["pip", "install", "--quiet", "--python", venvPython, `mlflow==${MLFLOW_VERSION}`], {
    stdio: "inherit",
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`mlflow server did not answer at ${url}`);
}

async function startMlflow(): Promise<{ url: string; stop: () => Promise<void> }> {
  ensureMlflowServer();
  const dir = join(cacheDir, `data-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    venvPython,
    [
      "-m",
      "mlflow",
      "server",
      "--backend-store-uri",
      `sqlite:///${join(dir, "mlflow.db")}`,
      "--artifacts-destination",
      join(dir, "artifacts"),
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--workers",
      "1",
    ],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: "false" } },
  );
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/health`, child);
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The one client both servers get: fetch with JSON bodies, as MLflow's client sends them. */
function client(base: string, token?: string) {
  return async (path: string, body: unknown) => {
    const res = await fetch(`${base}/api/2.0/mlflow/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text || "{}");
  };
}

/** RUNS runs × POINTS points, in log-batch requests of 1000, CONCURRENCY in flight. */
async function ingest(name: string, call: ReturnType<typeof client>): Promise<number> {
  const exp = await call("experiments/create", { name: `bench-${name}-${Date.now()}` });
  const runIds: string[] = [];
  for (let r = 0; r < RUNS; r++) {
    const run = await call("runs/create", { experiment_id: exp.experiment_id, start_time: Date.now() });
    runIds.push(run.run.info.run_id);
  }
  const jobs: (() => Promise<unknown>)[] = [];
  const t0Base = Date.now();
  for (const runId of runIds)
    for (let start = 0; start < POINTS; start += BATCH) {
      const metrics: { key: string; value: number; timestamp: number; step: number }[] = [];
      for (let i = start; i < Math.min(POINTS, start + BATCH); i++) {
        const key = METRIC_KEYS[i % METRIC_KEYS.length]!;
        const step = Math.floor(i / METRIC_KEYS.length);
        metrics.push({ key, value: Math.sin(i) + 1, timestamp: t0Base + step, step });
      }
      jobs.push(() => call("runs/log-batch", { run_id: runId, metrics }));
    }
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < jobs.length) await jobs[next++]!();
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const points = RUNS * POINTS;
  console.log(
    `${name.padEnd(8)} ${points} points in ${seconds.toFixed(2)} s = ${Math.round(points / seconds)} points/s`,
  );
  return points / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  console.log(`tracking ingestion: ${RUNS} runs × ${POINTS} points, log-batch of ${BATCH}, ${CONCURRENCY} in flight`);
  const tandem = await startTestServer({ env: { TANDEM_LOG_LEVEL: "error" } });
  const mlflow = await startMlflow();
  try {
    const user = await createUser(tandem.http, "bench");
    const tandemRate = await ingest("tandem", client(tandem.url, user.token));
    const mlflowRate = await ingest("mlflow", client(mlflow.url));
    console.log(
      `ratio: Tandem ingests ${(tandemRate / mlflowRate).toFixed(1)}× MLflow server ${MLFLOW_VERSION} (SQLite) (goal ≥ 10×)`,
    );

    // The run table: LIST_RUNS runs with params and 3 latest metrics each, seeded in SQL.
    const exp = await client(tandem.url, user.token)("experiments/create", { name: "bench-list" });
    const sql = postgres(tandem.database.url, { max: 1, onnotice: () => {} });
    const e = Number(exp.experiment_id);
    await sql`insert into runs (id, experiment_id, name, user_name, status, start_time)
      select md5(g::text || 'list'), ${e}, 'run-' || g, 'bench', 'FINISHED', 1700000000000 + g
      from generate_series(1, ${LIST_RUNS}) g`;
    await sql`insert into latest_metrics (run_id, key, value, timestamp, step)
      select md5(g::text || 'list'), k, random(), 1700000000000, 100
      from generate_series(1, ${LIST_RUNS}) g, unnest(array['loss','accuracy','f1']) k`;
    await sql`insert into run_params (run_id, key, value)
      select md5(g::text || 'list'), k, (g % 7)::text from generate_series(1, ${LIST_RUNS}) g, unnest(array['lr','depth']) k`;
    await sql`analyze`;
    await sql.end();
    const get = async (q: string) => {
      const t0 = performance.now();
      const res = await fetch(`${tandem.url}/api/experiments/${e}/runs?${q}`, {
        headers: { authorization: `Bearer ${user.token}` },
      });
      const body = (await res.json()) as { runs: unknown[] };
      if (!res.ok || !Array.isArray(body.runs)) throw new Error(`list failed: ${res.status}`);
      return { ms: performance.now() - t0, n: body.runs.length };
    };
    for (const [label, q] of [
      [`all ${LIST_RUNS} runs in one page`, `limit=${LIST_RUNS}`],
      [`all ${LIST_RUNS} runs sorted by metrics.loss`, `limit=${LIST_RUNS}&orderBy=metrics.loss%20DESC`],
      ["first page of 100 sorted by metrics.loss", "limit=100&orderBy=metrics.loss%20DESC"],
      [
        "page of 100 filtered params.depth = '3', by metrics.f1",
        `limit=100&orderBy=metrics.f1&filter=${encodeURIComponent("params.depth = '3'")}`,
      ],
    ] as const) {
      await get(q); // warm
      const times: number[] = [];
      let n = 0;
      for (let i = 0; i < 5; i++) {
        const r = await get(q);
        times.push(r.ms);
        n = r.n;
      }
      console.log(`list ${label}: ${n} rows, median ${median(times).toFixed(1)} ms (goal < 200 ms for 10,000)`);
    }
  } finally {
    await mlflow.stop();
    await tandem.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
