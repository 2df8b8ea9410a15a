// Scheduler benchmark, against papermill (pip-installed into .venv-test) on the same notebook with the
// same ipykernel, in the same run. Prints:
//  (a) the delay from a cron fire time to the run's first cell starting (p50/p99; goal p99 < 1 s),
//      with a warm kernel pool;
//  (b) the throughput of BENCH_RUNS tiny queued runs drained by 2 `tandem serve` worker processes on
//      one Postgres (runs/min), checking that no run executed twice;
//  (c) a single run's wall time (asked for -> succeeded, as a client sees it) against
//      `papermill in.ipynb out.ipynb -p ...` (process start -> exit), median of BENCH_SINGLE each.
// Not a test: `npm run bench -- scheduler`. BENCH_FIRES (30), BENCH_RUNS (500), BENCH_SINGLE (5).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProject, createUser, type HttpClient, repoRoot, startTestServer } from "@tandem/testkit";

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const FIRES = num("BENCH_FIRES", 30);
const RUNS = num("BENCH_RUNS", 500);
const SINGLE = num("BENCH_SINGLE", 5);
const python = join(repoRoot, ".venv-test/bin/python");
const papermill = join(repoRoot, ".venv-test/bin/papermill");
if (!existsSync(papermill)) {
  throw new Error("No papermill in .venv-test: run `bash scripts/setup-test-env.sh` (test/requirements.txt)");
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const median = (xs: number[]) => pct(xs, 50);
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

const cell = (id: string, source: string, tags: string[] = []) => ({
  cell_type: "code",
  id,
  metadata: tags.length ? { tags } : {},
  source,
  outputs: [],
  execution_count: null,
});
const notebook = (cells: unknown[]) => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
  cells,
});

/** A small training-shaped notebook: parameters, some work, a printed result. */
const TRAINING = notebook([
  cell("params", "alpha = 0.1\nepochs = 3", ["parameters"]),
  cell("data", "import math, random\nrandom.seed(0)\nxs = [random.random() for _ in range(20000)]"),
  cell("train", "w = 0.0\nfor _ in range(epochs):\n    for x in xs:\n        w -= alpha * (w * x - x) * x / len(xs)"),
  cell("report", "print('w =', round(w, 6))"),
]);

async function kernelspecDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tandem-bench-specs-"));
  await mkdir(join(dir, "kernels/python3"), { recursive: true });
  await writeFile(
    join(dir, "kernels/python3/kernel.json"),
    JSON.stringify({
      argv: [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
      display_name: "Python 3 (bench)",
      language: "python",
      interrupt_mode: "signal",
    }),
  );
  return dir;
}

async function importNotebook(client: HttpClient, projectId: string, name: string, nb: unknown): Promise<string> {
  const res = await client.post(`/api/projects/${projectId}/notebooks/import?name=${name}`, nb);
  if (res.status !== 201) throw new Error(`import: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

const FINISHED = new Set(["succeeded", "failed", "cancelled", "skipped"]);
async function waitRun(client: HttpClient, id: string, pollMs = 10): Promise<any> {
  for (;;) {
    const run = (await client.get(`/api/runs/${id}`)).body;
    if (FINISHED.has(run.status)) return run;
    await sleep(pollMs);
  }
}

/** (a) cron fire time -> first cell started, for a job firing every 2 seconds. */
async function fireDelay(specs: string) {
  const server = await startTestServer({
    env: { TANDEM_KERNELSPEC_PATH: specs, TANDEM_DEFAULT_KERNELSPEC: "python3", TANDEM_KERNEL_POOL_SIZE: "2" },
  });
  try {
    const owner = await createUser(server.http, "bench");
    const projectId = await createProject(owner.client);
    const nb = await importNotebook(owner.client, projectId, "tiny", notebook([cell("a", "x = 1")]));
    // Warm the pool (the first kernel of a kernelspec starts it).
    await waitRun(owner.client, (await owner.client.post(`/api/notebooks/${nb}/runs`, {})).body.id);
    await sleep(4000);
    const job = await owner.client.post(`/api/projects/${projectId}/jobs`, {
      notebookId: nb,
      name: "every 2 s",
      cron: "*/2 * * * * *",
      concurrency: "allow",
    });
    if (job.status !== 201) throw new Error(JSON.stringify(job.body));
    const delays: number[] = [];
    const seen = new Set<string>();
    while (delays.length < FIRES) {
      await sleep(500);
      const page = (await owner.client.get(`/api/jobs/${job.body.id}/runs?limit=50`)).body;
      for (const r of page.runs) {
        if (seen.has(r.id) || !FINISHED.has(r.status)) continue;
        seen.add(r.id);
        const first = r.cells[0];
        if (r.status !== "succeeded" || !first?.startedAt) throw new Error(`run ${r.id}: ${JSON.stringify(r.error)}`);
        delays.push(Date.parse(first.startedAt) - Date.parse(r.scheduledFor));
      }
    }
    await owner.client.patch(`/api/jobs/${job.body.id}`, { enabled: false });
    console.log(
      `(a) fire time -> first cell started (${delays.length} fires, warm pool): ` +
        `p50 ${pct(delays, 50)} ms, p99 ${pct(delays, 99)} ms, max ${Math.max(...delays)} ms (goal: p99 < 1000 ms)`,
    );
  } finally {
    await server.close();
  }
}

/** (b) RUNS tiny runs queued at once, drained by two server processes sharing the Postgres queue. */
async function throughput(specs: string) {
  const env = {
    TANDEM_KERNELSPEC_PATH: specs,
    TANDEM_DEFAULT_KERNELSPEC: "python3",
    TANDEM_KERNEL_POOL_SIZE: "2",
    TANDEM_SCHEDULER_POLL_MS: "100",
    TANDEM_LOG_LEVEL: "error",
  };
  const a = await startTestServer({ process: true, env });
  const b = await startTestServer({ process: true, env, database: a.database });
  const dir = await mkdtemp(join(tmpdir(), "tandem-bench-drain-"));
  const marks = join(dir, "marks.txt");
  try {
    const owner = await createUser(a.http, "bench");
    const projectId = await createProject(owner.client);
    const nb = await importNotebook(
      owner.client,
      projectId,
      "tiny",
      notebook([
        cell("params", "n = -1\nmarks = ''", ["parameters"]),
        cell("mark", "with open(marks, 'a') as f:\n    f.write(f'{n}\\n')"),
      ]),
    );
    const t0 = performance.now();
    const ids: string[] = [];
    for (let n = 0; n < RUNS; n++) {
      const res = await owner.client.post(`/api/notebooks/${nb}/runs`, { parameters: { n, marks } });
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
      ids.push(res.body.id);
    }
    const queuedMs = performance.now() - t0;
    for (;;) {
      const page = (await owner.client.get(`/api/notebooks/${nb}/runs?status=succeeded&limit=1`)).body;
      const left = await owner.client.get(`/api/projects/${projectId}/runs?limit=500`);
      const active = left.body.runs.filter((r: any) => !FINISHED.has(r.status)).length;
      if (!active && page.runs.length) break;
      await sleep(200);
    }
    const seconds = (performance.now() - t0) / 1000;
    const lines = (await readFile(marks, "utf8")).trim().split("\n");
    const counts = new Map<string, number>();
    for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
    const duplicates = [...counts.values()].filter((c) => c > 1).length;
    const missing = RUNS - counts.size;
    console.log(
      `(b) ${RUNS} queued runs drained by 2 worker processes: ${seconds.toFixed(1)} s ` +
        `(${((RUNS / seconds) * 60).toFixed(1)} runs/min; enqueueing took ${(queuedMs / 1000).toFixed(1)} s); ` +
        `duplicates: ${duplicates}, missing: ${missing}`,
    );
  } finally {
    await b.close();
    await a.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** (c) one run's wall time in Tandem vs papermill, same notebook, same parameters, same ipykernel. */
async function singleRun(specs: string) {
  const server = await startTestServer({
    env: { TANDEM_KERNELSPEC_PATH: specs, TANDEM_DEFAULT_KERNELSPEC: "python3" },
  });
  const dir = await mkdtemp(join(tmpdir(), "tandem-bench-papermill-"));
  try {
    const owner = await createUser(server.http, "bench");
    const projectId = await createProject(owner.client);
    const nb = await importNotebook(owner.client, projectId, "training", TRAINING);
    const tandem: number[] = [];
    // One run first, as any server that has run a notebook before: its warm pool is then filled.
    await waitRun(owner.client, (await owner.client.post(`/api/notebooks/${nb}/runs`, {})).body.id);
    for (let i = 0; i < SINGLE; i++) {
      await sleep(3000);
      const t0 = performance.now();
      const res = await owner.client.post(`/api/notebooks/${nb}/runs`, { parameters: { alpha: 0.5 } });
      const run = await waitRun(owner.client, res.body.id);
      tandem.push(performance.now() - t0);
      if (run.status !== "succeeded") throw new Error(JSON.stringify(run.error));
    }
    const input = join(dir, "in.ipynb");
    await writeFile(input, JSON.stringify(TRAINING));
    const pm: number[] = [];
    for (let i = 0; i < SINGLE; i++) {
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const child = spawn(
          papermill,
          [input, join(dir, `out-${i}.ipynb`), "-p", "alpha", "0.5", "-k", "python3", "--no-progress-bar"],
          { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, JUPYTER_PATH: specs } },
        );
        let err = "";
        child.stderr.on("data", (d) => (err = (err + d).slice(-2000)));
        child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`papermill exited ${code}: ${err}`))));
      });
      pm.push(performance.now() - t0);
    }
    const t = median(tandem);
    const p = median(pm);
    console.log(
      `(c) one run, asked for -> succeeded (median of ${SINGLE}): Tandem ${t.toFixed(0)} ms, ` +
        `papermill ${p.toFixed(0)} ms; Tandem/papermill = ${(t / p).toFixed(2)} (goal: <= 1)`,
    );
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const specs = await kernelspecDir();
try {
  const only = process.env.BENCH_ONLY;
  if (!only || only.includes("a")) await fireDelay(specs);
  if (!only || only.includes("c")) await singleRun(specs);
  if (!only || only.includes("b")) await throughput(specs);
} finally {
  await rm(specs, { recursive: true, force: true });
}
