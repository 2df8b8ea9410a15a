import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createProject,
  createTestDatabase,
  createUser,
  repoRoot,
  startTestServer,
  type TestDatabase,
  type TestServer,
  type TestUser,
  testUvCache,
} from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertMlflowInstalled, runPython } from "../compat/mlflow-client.ts";

// A registered sklearn model, logged by the stock MLflow client, deployed and called over HTTP:
// MLflow's own scoring server in an environment Tandem builds from the model's requirements.txt.
let server: TestServer;
let database: TestDatabase;
let dataDir: string;
let owner: TestUser;
let stranger: TestUser;
let projectId: string;
let mlflowEnv: Record<string, string>;
let model: { expected: number[]; columns: string[]; rows: number[][] };

const secondVersionScript = `
import json, warnings, mlflow
warnings.filterwarnings("ignore")
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
X, y = load_iris(return_X_y=True, as_frame=True)
with mlflow.start_run(experiment_id=__import__("os").environ["EXPERIMENT_ID"]) as run:
    # Heavily regularised: another model, whose answers differ from version 1's.
    clf = LogisticRegression(C=1e-4, max_iter=300).fit(X, y)
    mlflow.sklearn.log_model(clf, name="model", input_example=X.head(3))
mlflow.register_model(f"runs:/{run.info.run_id}/model", "churn")
print(json.dumps({"expected": clf.predict(X.iloc[[0, 60, 120]]).tolist()}))
`;

const registerScript = `
import json, os, warnings, mlflow
warnings.filterwarnings("ignore")
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
mlflow.set_experiment(experiment_id=os.environ["EXPERIMENT_ID"])
X, y = load_iris(return_X_y=True, as_frame=True)
with mlflow.start_run() as run:
    clf = LogisticRegression(max_iter=300).fit(X, y)
    mlflow.sklearn.log_model(clf, name="model", input_example=X.head(3))
mlflow.register_model(f"runs:/{run.info.run_id}/model", "churn")
MlflowClient().set_registered_model_alias("churn", "production", "1")
rows = X.iloc[[0, 60, 120]]
print(json.dumps({"expected": clf.predict(rows).tolist(), "columns": list(X.columns), "rows": rows.values.tolist()}))
`;

beforeAll(async () => {
  await assertMlflowInstalled();
  // Its own database and data directory, so that the server can be restarted on them.
  database = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), "tandem-deploy-"));
  server = await start();
  owner = await createUser(server.http, "deployer");
  stranger = await createUser(server.http, "stranger");
  projectId = await createProject(owner.client, [], "Churn");
  const exp = await owner.client.post("/api/2.0/mlflow/experiments/create", {
    name: "churn-training",
    tags: [{ key: "tandem.projectId", value: projectId }],
  });
  mlflowEnv = {
    MLFLOW_TRACKING_URI: server.url,
    MLFLOW_TRACKING_TOKEN: owner.token,
    EXPERIMENT_ID: exp.body.experiment_id,
  };
  // Logging infers the model's requirements in a subprocess: slow on a loaded machine.
  model = await runPython(registerScript, mlflowEnv, 400_000);
}, 500_000);
afterAll(async () => {
  await server?.close();
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const start = () => startTestServer({ database, dataDir, env: { TANDEM_UV_CACHE_DIR: testUvCache } });

/** Polls the API (no fixed sleeps) until the deployment leaves building/starting. */
async function settled(id: string) {
  for (;;) {
    const res = await owner.client.get(`/api/deployments/${id}`);
    expect(res.status).toBe(200);
    if (!["building", "starting"].includes(res.body.status)) return res.body;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const cli = join(repoRoot, "apps/cli/bin/tandem.js");
/** The \`tandem\` command against this server, as the owner. */
function tandem(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { ...process.env, TANDEM_URL: server.url, TANDEM_TOKEN: owner.token } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const invoke = (url: string, body: unknown, token?: string, contentType = "application/json") =>
  fetch(`${url}/invocations`, {
    method: "POST",
    headers: { "content-type": contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("deployments", () => {
  let deployment: { id: string; name: string; url: string };

  it("deploys a model's alias and serves MLflow's scoring protocol with the version that answered", async () => {
    const created = await owner.client.post(`/api/projects/${projectId}/deployments`, {
      name: "churn-api",
      model: "churn",
      alias: "production",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "churn-api",
      status: "building",
      url: `${server.url}/deployments/churn-api`,
    });
    deployment = created.body;

    const ready = await settled(deployment.id);
    expect(ready.reason).toBeNull();
    expect(ready.status).toBe("ready");
    expect(ready.serving).toEqual([expect.objectContaining({ version: 1, weight: 100 })]);
    expect(ready.replicaStates).toEqual([expect.objectContaining({ version: 1, state: "ready" })]);

    const split = await invoke(
      deployment.url,
      { dataframe_split: { columns: model.columns, data: model.rows } },
      owner.token,
    );
    expect(split.status).toBe(200);
    expect(split.headers.get("x-tandem-model-version")).toBe("1");
    expect(await split.json()).toEqual({ predictions: model.expected });

    const instances = model.rows.map((row) => Object.fromEntries(model.columns.map((c, i) => [c, row[i]])));
    const byInstances = await invoke(deployment.url, { instances }, owner.token);
    expect(byInstances.status).toBe(200);
    expect(await byInstances.json()).toEqual({ predictions: model.expected });

    const csv = [model.columns.join(","), ...model.rows.map((r) => r.join(","))].join("\n");
    const byCsv = await invoke(deployment.url, csv, owner.token, "text/csv");
    expect(await byCsv.json()).toEqual({ predictions: model.expected });

    const ping = await fetch(`${deployment.url}/ping`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(ping.status).toBe(200);
  }, 900_000);

  it("answers 401 without a token and 403 with a token that does not reach its project", async () => {
    const payload = { dataframe_split: { columns: model.columns, data: model.rows } };
    const anonymous = await invoke(deployment.url, payload);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error_code: "UNAUTHENTICATED" });

    await createProject(stranger.client, [], "Elsewhere");
    const other = await invoke(deployment.url, payload, stranger.token);
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error_code: "PERMISSION_DENIED" });

    const bogus = await invoke(deployment.url, payload, "tdm_not_a_real_token_at_all");
    expect(bogus.status).toBe(401);
  });

  it("answers malformed input with MLflow's BAD_REQUEST and keeps serving", async () => {
    const broken = await invoke(deployment.url, "{not json", owner.token);
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error_code: "BAD_REQUEST" });
    const unknownFormat = await invoke(deployment.url, { rows: [[1, 2, 3, 4]] }, owner.token);
    expect(unknownFormat.status).toBe(400);
    expect(await unknownFormat.json()).toMatchObject({ error_code: "BAD_REQUEST" });

    const after = await invoke(
      deployment.url,
      { dataframe_split: { columns: model.columns, data: model.rows } },
      owner.token,
    );
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ predictions: model.expected });
  });

  it("refuses deleting the deployed version, the model or its followed alias with 409 naming the deployment", async () => {
    const version = await owner.client.delete("/api/models/churn/versions/1");
    expect(version.status).toBe(409);
    expect(version.body.error.message).toContain("churn-api");
    const whole = await owner.client.delete("/api/models/churn");
    expect(whole.status).toBe(409);
    expect(whole.body.error.message).toContain("churn-api");
    const alias = await owner.client.delete("/api/models/churn/aliases/production");
    expect(alias.status).toBe(409);
    expect(alias.body.error.message).toContain("churn-api");
    const viaMlflow = await owner.client.delete("/api/2.0/mlflow/model-versions/delete", {
      body: { name: "churn", version: "1" },
    });
    expect(viaMlflow.status).toBe(409);
    expect(viaMlflow.body.error_code).toBe("RESOURCE_CONFLICT");
  });

  it("replaces a replica that crashes", async () => {
    const before = await settled(deployment.id);
    process.kill(before.replicaStates[0].pid, "SIGKILL");
    for (;;) {
      const now = (await owner.client.get(`/api/deployments/${deployment.id}`)).body;
      if (now.replicaStates[0].restarts === 1 && now.replicaStates[0].state === "ready") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const after = await invoke(
      deployment.url,
      { dataframe_split: { columns: model.columns, data: model.rows } },
      owner.token,
    );
    expect(await after.json()).toEqual({ predictions: model.expected });
    const history = await owner.client.get(`/api/deployments/${deployment.id}/history`);
    expect(history.body.map((h: { action: string }) => h.action)).toEqual(["deployed", "created"]);
    const logs = await owner.client.get(`/api/deployments/${deployment.id}/logs`);
    expect(logs.status).toBe(200);
  }, 120_000);

  it("rolls out when the followed alias moves, with no failed request under a steady client, and rolls back", async () => {
    const second = await runPython<{ expected: number[] }>(secondVersionScript, mlflowEnv, 400_000);
    const payload = { dataframe_split: { columns: model.columns, data: model.rows } };
    const seen = { ok: 0, failed: 0, byVersion: {} as Record<string, number> };
    let steady = true;
    const client = (async () => {
      while (steady) {
        const res = await invoke(deployment.url, payload, owner.token);
        const version = res.headers.get("x-tandem-model-version") ?? "none";
        const body = await res.json();
        const expected = version === "2" ? second.expected : model.expected;
        if (res.status === 200 && JSON.stringify(body.predictions) === JSON.stringify(expected)) seen.ok++;
        else seen.failed++;
        seen.byVersion[version] = (seen.byVersion[version] ?? 0) + 1;
      }
    })();
    const moved = await owner.client.put("/api/models/churn/aliases/production", { version: 2 });
    expect(moved.status).toBe(200);
    for (;;) {
      const now = (await owner.client.get(`/api/deployments/${deployment.id}`)).body;
      if (now.serving[0]?.version === 2 && now.replicaStates.length === 1) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // A few more calls, all answered by the new version.
    const after = seen.byVersion["2"] ?? 0;
    while ((seen.byVersion["2"] ?? 0) < after + 5) await new Promise((r) => setTimeout(r, 50));
    steady = false;
    await client;
    console.info(`rollout under a steady client: ${seen.ok} ok, ${seen.failed} failed`, seen.byVersion);
    expect(seen.failed).toBe(0);
    expect(seen.byVersion["1"]).toBeGreaterThan(0);
    expect(seen.byVersion["2"]).toBeGreaterThan(0);

    const back = await owner.client.post(`/api/deployments/${deployment.id}/rollback`);
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ alias: null, version: 1, status: "ready" });
    const res = await invoke(deployment.url, payload, owner.token);
    expect(res.headers.get("x-tandem-model-version")).toBe("1");
    expect(await res.json()).toEqual({ predictions: model.expected });
    const history = await owner.client.get(`/api/deployments/${deployment.id}/history`);
    const actions = history.body.map((h: { action: string; versions: number[] }) => `${h.action} ${h.versions}`);
    expect(actions[0]).toBe("rolled back 1");
    expect(actions).toContain("rollout 2");
    expect(actions.indexOf("rolled back 1")).toBeLessThan(actions.indexOf("rollout 2"));
  }, 600_000);

  it("comes back after a server restart", async () => {
    await server.close();
    server = await start();
    owner = { ...owner, client: server.http.as({ token: owner.token }) };
    const back = await settled(deployment.id);
    expect(back.status).toBe("ready");
    const res = await invoke(
      `${server.url}/deployments/churn-api`,
      { dataframe_split: { columns: model.columns, data: [model.rows[0]] } },
      owner.token,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-tandem-model-version")).toBe("1");
    expect(await res.json()).toEqual({ predictions: [model.expected[0]] });
  }, 300_000);

  it("stops (503) and starts again, and deletes, from the CLI", async () => {
    const shown = await tandem("deployments", "show", "churn-api");
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("status:   ready");
    expect(shown.stdout).toContain(`${server.url}/deployments/churn-api/invocations`);
    const listed = await tandem("deployments", "list", projectId, "--json");
    expect(JSON.parse(listed.stdout).map((x: { name: string }) => x.name)).toEqual(["churn-api"]);
    const history = await tandem("deployments", "history", "churn-api", "--json");
    expect(JSON.parse(history.stdout)[0]).toMatchObject({ action: "restored", versions: [1] });
    expect((await tandem("deployments", "logs", "churn-api")).stdout).toContain("==> replica");

    const stopped = await tandem("deployments", "stop", "churn-api");
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain("status:   stopped");
    const refused = await invoke(`${server.url}/deployments/churn-api`, { instances: [model.rows[0]] }, owner.token);
    expect(refused.status).toBe(503);
    expect((await tandem("deployments", "start", "churn-api")).code).toBe(0);
    expect((await settled(deployment.id)).status).toBe("ready");
    expect((await tandem("deployments", "delete", "churn-api")).code).toBe(0);
    expect((await owner.client.get(`/api/deployments/${deployment.id}`)).status).toBe(404);
    // Nothing deploys version 1 now: the registry lets it go.
    expect((await owner.client.delete("/api/models/churn/versions/1")).status).toBe(204);
  }, 300_000);
});
