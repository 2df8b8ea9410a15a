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

// A registered sklearn model, logged by the stock MLflow client, deployed and called over HTTP:
// MLflow's own scoring server in an environment Tandem builds from the model's requirements.txt.
let server: TestServer;
let owner: TestUser;
let stranger: TestUser;
let projectId: string;
let model: { expected: number[]; columns: string[]; rows: number[][] };

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
  server = await startTestServer({ env: { TANDEM_UV_CACHE_DIR: testUvCache } });
  owner = await createUser(server.http, "deployer");
  stranger = await createUser(server.http, "stranger");
  projectId = await createProject(owner.client, [], "Churn");
  const exp = await owner.client.post("/api/2.0/mlflow/experiments/create", {
    name: "churn-training",
    tags: [{ key: "tandem.projectId", value: projectId }],
  });
  model = await runPython(registerScript, {
    MLFLOW_TRACKING_URI: server.url,
    MLFLOW_TRACKING_TOKEN: owner.token,
    EXPERIMENT_ID: exp.body.experiment_id,
  });
}, 180_000);
afterAll(() => server?.close());

/** Polls the API (no fixed sleeps) until the deployment leaves building/starting. */
async function settled(id: string) {
  for (;;) {
    const res = await owner.client.get(`/api/deployments/${id}`);
    expect(res.status).toBe(200);
    if (!["building", "starting"].includes(res.body.status)) return res.body;
    await new Promise((r) => setTimeout(r, 250));
  }
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
});
