import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createProject,
  createUser,
  startTestServer,
  type TestServer,
  type TestUser,
  testUvCache,
} from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertMlflowInstalled, runPython } from "../compat/mlflow-client.ts";

// A deployed model's requests, recorded off the request path, read back as a window's figures
// (REST), as Prometheus's text format (promtool checks it) and through a real Prometheus server.
const METRICS_TOKEN = "metrics-scrape-token-0123456789";
let server: TestServer;
let owner: TestUser;
let stranger: TestUser;
let projectId: string;
let payload: unknown;
// The server's clock: real time plus an offset the test moves (to leave a window behind).
let offsetMs = 0;

const registerScript = `
import json, os, warnings, mlflow
warnings.filterwarnings("ignore")
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
mlflow.set_experiment(experiment_id=os.environ["EXPERIMENT_ID"])
X, y = load_iris(return_X_y=True, as_frame=True)
with mlflow.start_run() as run:
    mlflow.sklearn.log_model(LogisticRegression(max_iter=300).fit(X, y), name="model", input_example=X.head(3))
mlflow.register_model(f"runs:/{run.info.run_id}/model", "iris")
print(json.dumps({"columns": list(X.columns), "rows": X.iloc[[0, 60]].values.tolist()}))
`;

function assertPrometheusInstalled() {
  for (const bin of ["/usr/bin/promtool", "/usr/bin/prometheus"])
    if (!existsSync(bin))
      throw new Error(`${bin} is missing: install Debian's prometheus package (bash scripts/setup-test-env.sh)`);
}

beforeAll(async () => {
  assertPrometheusInstalled();
  await assertMlflowInstalled();
  server = await startTestServer({
    env: { TANDEM_UV_CACHE_DIR: testUvCache, TANDEM_METRICS_TOKEN: METRICS_TOKEN },
    clock: () => new Date(Date.now() + offsetMs),
  });
  owner = await createUser(server.http, "watcher");
  stranger = await createUser(server.http, "outsider");
  projectId = await createProject(owner.client, [], "Iris");
  const exp = await owner.client.post("/api/2.0/mlflow/experiments/create", {
    name: "iris-training",
    tags: [{ key: "tandem.projectId", value: projectId }],
  });
  const model = await runPython<{ columns: string[]; rows: number[][] }>(registerScript, {
    MLFLOW_TRACKING_URI: server.url,
    MLFLOW_TRACKING_TOKEN: owner.token,
    EXPERIMENT_ID: exp.body.experiment_id,
  });
  payload = { dataframe_split: { columns: model.columns, data: model.rows } };
}, 180_000);
afterAll(() => server?.close());

const invoke = (name: string, body: string) =>
  fetch(`${server.url}/deployments/${name}/invocations`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${owner.token}` },
    body,
  });

const scrape = (token?: string) =>
  fetch(`${server.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

function run(cmd: string, args: string[], stdin: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
    child.stdin!.end(stdin);
  });
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe("deployment metrics", () => {
  let deployment: { id: string; name: string };
  let sent = 0;

  it("records every request and answers a window's requests, errors and latency per version", async () => {
    const created = await owner.client.post(`/api/projects/${projectId}/deployments`, {
      name: "iris-api",
      model: "iris",
      version: 1,
      logSampleRate: 0.5,
    });
    expect(created.status).toBe(201);
    deployment = created.body;
    for (;;) {
      const res = await owner.client.get(`/api/deployments/${deployment.id}`);
      if (!["building", "starting"].includes(res.body.status)) {
        expect(res.body).toMatchObject({ status: "ready", reason: null });
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }

    for (let i = 0; i < 5; i++) expect((await invoke(deployment.name, JSON.stringify(payload))).status).toBe(200);
    const bad = await invoke(deployment.name, "{not json");
    expect(bad.status).toBe(400);
    sent = 6;
    // Nothing is written on the request path; the flush (every second) is asked for at once here.
    await server.server!.serving.flushMetrics();

    const res = await owner.client.get(`/api/deployments/${deployment.id}/metrics?window=5m`);
    expect(res.status).toBe(200);
    const m = res.body;
    expect(m).toMatchObject({ window: "5m", requests: 6, errors: { "4xx": 1, "5xx": 0 } });
    expect(m.rate).toBeCloseTo(6 / 300, 10);
    expect(m.p50).toBeGreaterThan(0);
    expect(m.p50).toBeLessThanOrEqual(m.p95);
    expect(m.p95).toBeLessThanOrEqual(m.p99);
    expect(m.byVersion).toEqual([expect.objectContaining({ version: 1, requests: 6, errors: { "4xx": 1, "5xx": 0 } })]);

    // Per-minute rollups carry the same requests into the longer windows.
    const day = await owner.client.get(`/api/deployments/${deployment.id}/metrics?window=24h`);
    expect(day.body).toMatchObject({ window: "24h", requests: 6, errors: { "4xx": 1, "5xx": 0 } });
    // Ten minutes later they have left the 5-minute window but are still in the hour.
    offsetMs = 10 * 60 * 1000;
    try {
      expect((await owner.client.get(`/api/deployments/${deployment.id}/metrics?window=5m`)).body).toMatchObject({
        requests: 0,
        p99: null,
        byVersion: [],
      });
      expect((await owner.client.get(`/api/deployments/${deployment.id}/metrics?window=1h`)).body.requests).toBe(6);
    } finally {
      offsetMs = 0;
    }
  }, 900_000);

  it("keeps the sampled share of requests with input and prediction, none once marked sensitive", async () => {
    const log = await owner.client.get(`/api/deployments/${deployment.id}/requests`);
    expect(log.status).toBe(200);
    // Half of the six: the 2nd, 4th and 6th (the bad one), newest first.
    expect(log.body.map((r: { status: number }) => r.status)).toEqual([400, 200, 200]);
    expect(log.body[0]).toMatchObject({ version: 1, input: "{not json", bytesIn: 9 });
    expect(JSON.parse(log.body[1].input)).toEqual(payload);
    expect(JSON.parse(log.body[1].output)).toEqual({ predictions: expect.any(Array) });
    const ok = await owner.client.get(`/api/deployments/${deployment.id}/requests?status=200&limit=1`);
    expect(ok.body).toHaveLength(1);
    expect(ok.body[0].status).toBe(200);

    const marked = await owner.client.patch(`/api/deployments/${deployment.id}`, { sensitive: true });
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ sensitive: true, logSampleRate: 0.5 });
    for (let i = 0; i < 4; i++) expect((await invoke(deployment.name, JSON.stringify(payload))).status).toBe(200);
    sent += 4;
    await server.server!.serving.flushMetrics();
    expect((await owner.client.get(`/api/deployments/${deployment.id}/requests`)).body).toHaveLength(3);
    expect((await stranger.client.get(`/api/deployments/${deployment.id}/requests`)).status).toBe(404);
  });

  it("lets project members read the figures, nobody else, and refuses an unknown window", async () => {
    expect((await stranger.client.get(`/api/deployments/${deployment.id}/metrics`)).status).toBe(404);
    const bad = await owner.client.get(`/api/deployments/${deployment.id}/metrics?window=3d`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBeTruthy();
    const doc = await server.http.get("/api/openapi.json");
    expect(doc.body.paths["/deployments/{id}/metrics"].get).toBeTruthy();
  });

  it("exports Prometheus's text format behind the metrics token, which promtool accepts", async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape(owner.token)).status).toBe(401);
    const res = await scrape(METRICS_TOKEN);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain('tandem_deployment_requests_total{deployment="iris-api",version="1",code="200"} 9');
    expect(text).toContain('tandem_deployment_requests_total{deployment="iris-api",version="1",code="400"} 1');
    expect(text).toContain('tandem_deployment_request_duration_seconds_count{deployment="iris-api",version="1"} 10');
    expect(text).toContain('tandem_deployment_replicas{deployment="iris-api",version="1",state="ready"} 1');
    for (const gauge of [
      "tandem_collab_rooms",
      "tandem_kernels_running",
      "tandem_runs_queued",
      "tandem_environment_builds",
    ])
      expect(text).toMatch(new RegExp(`^${gauge} \\d+$`, "m"));
    const check = await run("/usr/bin/promtool", ["check", "metrics"], text);
    expect(check.out).toBe("");
    expect(check.code).toBe(0);
  });

  it("is scraped by a real Prometheus server, which answers the deployment's request rate", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-prom-"));
    const port = await freePort();
    const target = new URL(server.url).host;
    await writeFile(join(dir, "token"), METRICS_TOKEN);
    await writeFile(
      join(dir, "prometheus.yml"),
      [
        "global:",
        "  scrape_interval: 1s",
        "scrape_configs:",
        "  - job_name: tandem",
        "    authorization:",
        `      credentials_file: ${join(dir, "token")}`,
        "    static_configs:",
        `      - targets: ["${target}"]`,
        "",
      ].join("\n"),
    );
    const prom = spawn(
      "/usr/bin/prometheus",
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    prom.stderr!.on("data", (d) => {
      log = (log + d).slice(-4000);
    });
    const query = async (q: string): Promise<number | null> => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => null);
      if (!res?.ok) return null;
      const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
      const [first] = body.data.result;
      return first ? Number(first.value[1]) : null;
    };
    try {
      // Traffic keeps coming until Prometheus has two scrapes apart and sees a rate.
      let rate: number | null = null;
      for (let i = 0; i < 600 && !(rate && rate > 0); i++) {
        expect(prom.exitCode, log).toBeNull();
        expect((await invoke(deployment.name, JSON.stringify(payload))).status).toBe(200);
        sent++;
        rate = await query('sum(rate(tandem_deployment_requests_total{deployment="iris-api"}[1m]))');
        if (!(rate && rate > 0)) await new Promise((r) => setTimeout(r, 200));
      }
      expect(rate, log).toBeGreaterThan(0);
      // Once traffic stops, the next scrape holds every request sent.
      let total: number | null = null;
      for (let i = 0; i < 300 && total !== sent; i++) {
        total = await query('sum(tandem_deployment_requests_total{deployment="iris-api"})');
        if (total !== sent) await new Promise((r) => setTimeout(r, 200));
      }
      expect(total).toBe(sent);
      expect(await query('up{job="tandem"}')).toBe(1);
      // The rollups agree: flushes into the same minute add up (histograms element by element).
      await server.server!.serving.flushMetrics();
      const hour = (await owner.client.get(`/api/deployments/${deployment.id}/metrics?window=1h`)).body;
      expect(hour).toMatchObject({ requests: sent, errors: { "4xx": 1, "5xx": 0 } });
    } finally {
      prom.kill("SIGTERM");
      await new Promise((r) => (prom.exitCode === null ? prom.once("exit", r) : r(null)));
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
