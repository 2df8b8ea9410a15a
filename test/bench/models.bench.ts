// Models: Tandem against MLflow's own `mlflow server` in the same run, on the same Postgres (MLflow through
// SQLAlchemy and psycopg2), driven by the same stock MLflow client (test/bench/models-client.py):
//   1. register_model + set_registered_model_alias + pyfunc.load_model("models:/x@champion"), wall time a round
//      (goal: Tandem ≤ 0.5× MLflow's);
//   2. search_model_versions over BENCH_VERSIONS versions of one model, one in ten with an alias, every page of
//      BENCH_PAGE (goal: < 100 ms a page).
//
//   bash scripts/bench-venvs.sh mlflow          # once: full `mlflow` (the server) in .cache/mlflow-venv
//   npx tsx test/bench/models.bench.ts          # BENCH_REPEAT=5 BENCH_VERSIONS=10000 BENCH_PAGE=100
//   BENCH_REPEAT=2 BENCH_VERSIONS=1000 npx tsx test/bench/models.bench.ts   # a short run
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { createTestDatabase, createUser, repoRoot, startTestServer, type TestDatabase } from "@tandem/testkit";
import postgres from "postgres";

const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 10_000);
const PAGE = Number(process.env.BENCH_PAGE ?? 100);
const python = join(repoRoot, ".cache/mlflow-venv/bin/python");
const script = join(repoRoot, "test/bench/models-client.py");
const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess, log: () => string, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited with ${child.exitCode}\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`mlflow server did not answer at ${url}\n${log()}`);
}

/** MLflow's server on its own database of the same Postgres, artifacts proxied (its default), one worker. */
async function startMlflow(db: TestDatabase) {
  const dir = mkdtempSync(join(tmpdir(), "bench-mlflow-"));
  const port = await freePort();
  const child = spawn(
    python,
    [
      "-m",
      "mlflow",
      "server",
      "--backend-store-uri",
      db.url.replace(/^postgres:/, "postgresql+psycopg2:"),
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
  await waitFor(`${url}/health`, child, () => stderr);
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function client(phase: "register" | "search", env: Record<string, string>) {
  const { stdout } = await run(python, [script, phase], {
    env: { ...process.env, ...env, REPEAT: String(REPEAT), PAGE: String(PAGE), PYTHONWARNINGS: "ignore" },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

/** Versions 2..VERSIONS of the search model, copied from version 1 in SQL; an alias on every tenth. */
async function seedTandem(url: string, name: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const [m] = await sql`select id from registered_models where name = ${name}`;
  await sql`insert into model_versions (registered_model_id, version, source, run_id, model_id, user_name, creation_time, last_updated_time)
    select registered_model_id, g, source, run_id, model_id, user_name, creation_time + g, last_updated_time + g
    from model_versions, generate_series(2, ${VERSIONS}) g where registered_model_id = ${m!.id} and version = 1`;
  await sql`update registered_models set next_version = ${VERSIONS + 1} where id = ${m!.id}`;
  await sql`insert into model_aliases (registered_model_id, alias, version)
    select ${m!.id}, 'a' || g, g from generate_series(10, ${VERSIONS}, 10) g`;
  await sql`analyze`;
  await sql.end();
}

async function seedMlflow(url: string, name: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql`insert into model_versions (workspace, name, version, creation_time, last_updated_time, description, user_id,
      current_stage, source, storage_location, run_id, run_link, status, status_message)
    select workspace, name, g, creation_time + g, last_updated_time + g, description, user_id, current_stage, source,
      storage_location, run_id, run_link, status, status_message
    from model_versions, generate_series(2, ${VERSIONS}) g where name = ${name} and version = 1`;
  await sql`insert into registered_model_aliases (workspace, name, alias, version)
    select workspace, name, 'a' || g, g from registered_models, generate_series(10, ${VERSIONS}, 10) g where name = ${name}`;
  await sql`analyze`;
  await sql.end();
}

const ms = (s: number) => s * 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;

async function side(label: string, env: Record<string, string>, seed: (name: string) => Promise<void>) {
  const names = { EXPERIMENT: `bench-models-${label}`, MODEL: "bench-churn", SEARCH: "bench-search" };
  const reg = await client("register", { ...env, ...names });
  await seed(names.SEARCH);
  const search = await client("search", { ...env, ...names });
  // MLflow's server leaves search results' aliases empty (mlflow#9783, #16734); Tandem's carry them.
  const aliased = label === "tandem" ? Math.floor(VERSIONS / 10) : 0;
  if (search.seen !== VERSIONS || search.aliased !== aliased)
    throw new Error(
      `${label}: search saw ${search.seen} versions (${search.aliased} aliased), expected ${VERSIONS} (${aliased})`,
    );
  // The same pages over plain HTTP from here: the servers' share of a page, without the Python client's.
  const http: number[] = [];
  let token: string | undefined;
  do {
    const q = new URLSearchParams({ filter: `name = '${names.SEARCH}'`, max_results: String(PAGE) });
    if (token) q.set("page_token", token);
    const t0 = performance.now();
    const res = await fetch(`${env.MLFLOW_TRACKING_URI}/api/2.0/mlflow/model-versions/search?${q}`, {
      headers: env.MLFLOW_TRACKING_TOKEN ? { authorization: `Bearer ${env.MLFLOW_TRACKING_TOKEN}` } : {},
    });
    const body = (await res.json()) as { next_page_token?: string };
    http.push((performance.now() - t0) / 1000);
    token = body.next_page_token;
  } while (token);
  const totals = reg.rounds.map((r: { total: number }) => r.total) as number[];
  const part = (k: string) => median(reg.rounds.map((r: Record<string, number>) => r[k]!));
  const row = {
    round: median(totals),
    register: part("register"),
    alias: part("alias"),
    load: part("load"),
    pageP50: median(search.pages),
    pageP95: p95(search.pages),
    pages: search.pages.length as number,
    httpP50: median(http),
  };
  console.log(
    `${label.padEnd(7)} round ${ms(row.round).toFixed(0)} ms (register ${ms(row.register).toFixed(0)}, alias ${ms(row.alias).toFixed(0)}, load ${ms(row.load).toFixed(0)}) · ` +
      `search page of ${PAGE}: p50 ${ms(row.pageP50).toFixed(1)} ms, p95 ${ms(row.pageP95).toFixed(1)} ms over ${row.pages} pages, ${search.aliased} with aliases; over plain HTTP p50 ${ms(row.httpP50).toFixed(1)} ms`,
  );
  return row;
}

async function main() {
  if (!existsSync(python)) throw new Error("run `bash scripts/bench-venvs.sh mlflow` first (full mlflow for the peer)");
  const { stdout: version } = await run(python, ["-c", "import mlflow; print(mlflow.__version__)"]);
  console.log(
    `models: ${REPEAT} rounds of register+alias+load; search_model_versions over ${VERSIONS} versions (1 in 10 aliased), pages of ${PAGE}; mlflow ${version.trim()} client and server`,
  );
  const tandem = await startTestServer({ env: { TANDEM_LOG_LEVEL: "error" } });
  const mlflowDb = await createTestDatabase();
  const mlflow = await startMlflow(mlflowDb);
  try {
    const user = await createUser(tandem.http, "bench");
    const t = await side("tandem", { MLFLOW_TRACKING_URI: tandem.url, MLFLOW_TRACKING_TOKEN: user.token }, (n) =>
      seedTandem(tandem.database.url, n),
    );
    const m = await side("mlflow", { MLFLOW_TRACKING_URI: mlflow.url }, (n) => seedMlflow(mlflowDb.url, n));
    console.log(
      `ratio: register+alias+load ${(t.round / m.round).toFixed(2)}× MLflow's (goal ≤ 0.5×); ` +
        `search page p50 ${(t.pageP50 / m.pageP50).toFixed(2)}× (plain HTTP ${(t.httpP50 / m.httpP50).toFixed(2)}×), Tandem ${ms(t.pageP50).toFixed(1)} ms (goal < 100 ms)`,
    );
  } finally {
    await mlflow.stop();
    await mlflowDb.drop();
    await tandem.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
