import { createHash } from "node:crypto";
import { createToken } from "@tandem/api";
import { createProject, createUser, startTestServer, type TestServer, type TestUser } from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertMlflowInstalled, runPython } from "./mlflow-client.ts";

// The stock MLflow client (mlflow-skinny) against a real Tandem server; read back through Tandem's own API.
let server: TestServer;
let owner: TestUser;
let projectId: string;
let env: Record<string, string>;
beforeAll(async () => {
  await assertMlflowInstalled();
  server = await startTestServer();
  owner = await createUser(server.http, "owner");
  projectId = await createProject(owner.client, [], "Compat");
  env = { MLFLOW_TRACKING_URI: server.url, MLFLOW_TRACKING_TOKEN: owner.token };
}, 120_000);
afterAll(() => server?.close());

const basicScript = `
import json, os, tempfile, mlflow
mlflow.set_experiment(experiment_id=os.environ["EXPERIMENT_ID"])
d = tempfile.mkdtemp()
with open(os.path.join(d, "notes.txt"), "w") as f: f.write("hello artifacts")
big = os.path.join(d, "big.bin")
with open(big, "wb") as f: f.write(bytes(range(256)) * 12288)
with mlflow.start_run(run_name="py-run") as run:
    mlflow.log_param("lr", 0.01)
    mlflow.log_params({"depth": 5, "model": "rf"})
    for step in range(20):
        mlflow.log_metric("loss", 1 / (step + 1), step=step)
    mlflow.log_metrics({"acc": 0.9, "nan_metric": float("nan")})
    mlflow.set_tag("team", "ml")
    mlflow.log_artifact(os.path.join(d, "notes.txt"))
    mlflow.log_artifact(os.path.join(d, "notes.txt"), artifact_path="sub/dir")
    mlflow.log_dict({"a": 1}, "config.json")
    mlflow.log_artifact(big)
client = mlflow.MlflowClient()
rid = run.info.run_id
r = client.get_run(rid)
local = mlflow.artifacts.download_artifacts(run_id=rid, artifact_path="notes.txt")
found = mlflow.search_runs(experiment_ids=[os.environ["EXPERIMENT_ID"]], filter_string="params.model = 'rf' and metrics.acc > 0.5", output_format="list")
client.delete_run(rid)
deleted = client.get_run(rid).info.lifecycle_stage
client.restore_run(rid)
try:
    client.get_run("0123456789abcdef0123456789abcdef")
    missing = None
except mlflow.exceptions.MlflowException as e:
    missing = e.error_code
print(json.dumps({
    "run_id": rid,
    "status": r.info.status,
    "params": r.data.params,
    "metrics": {k: (None if v != v else v) for k, v in r.data.metrics.items()},
    "history": [[m.step, m.value] for m in client.get_metric_history(rid, "loss")],
    "artifacts": sorted(f.path for f in client.list_artifacts(rid)),
    "sub": [f.path for f in client.list_artifacts(rid, "sub/dir")],
    "downloaded": open(local).read(),
    "found": [x.info.run_id for x in found],
    "deleted": deleted,
    "missing": missing,
}))
`;

describe("the stock MLflow client", () => {
  it("logs params, metrics, tags and artifacts that Tandem's API reads back", async () => {
    const created = await owner.client.post("/api/2.0/mlflow/experiments/create", {
      name: "compat-basic",
      tags: [{ key: "tandem.projectId", value: projectId }],
    });
    const experimentId = created.body.experiment_id as string;
    const out = await runPython(basicScript, { ...env, EXPERIMENT_ID: experimentId });
    expect(out.status).toBe("FINISHED");
    expect(out.params).toEqual({ lr: "0.01", depth: "5", model: "rf" });
    expect(out.metrics).toEqual({ loss: 1 / 20, acc: 0.9, nan_metric: null });
    expect(out.history).toHaveLength(20);
    expect(out.history[3]).toEqual([3, 1 / 4]);
    expect(out.artifacts).toEqual(["big.bin", "config.json", "notes.txt", "sub"]);
    expect(out.sub).toEqual(["sub/dir/notes.txt"]);
    expect(out.downloaded).toBe("hello artifacts");
    expect(out.found).toEqual([out.run_id]);
    expect(out.deleted).toBe("deleted");
    expect(out.missing).toBe("RESOURCE_DOES_NOT_EXIST");

    // Tandem's own API sees the same run.
    const table = await owner.client.get(`/api/experiments/${experimentId}/runs`);
    expect(table.status).toBe(200);
    expect(table.body.runs).toHaveLength(1);
    const run = table.body.runs[0];
    expect(run).toMatchObject({ id: out.run_id, name: "py-run", status: "FINISHED", params: { model: "rf" } });
    expect(run.metrics.loss).toMatchObject({ value: 1 / 20, step: 19 });
    expect(run.metrics.nan_metric.value).toBe("NaN");
    expect(run.userId).toBe(owner.id);
    const history = await owner.client.get(`/api/experiment-runs/${out.run_id}/metric-history?key=loss`);
    expect(history.body.points).toHaveLength(20);
    const files = await owner.client.get(`/api/experiment-runs/${out.run_id}/artifacts`);
    expect(files.body).toEqual(
      expect.arrayContaining([
        { path: "big.bin", isDir: false, size: 256 * 12288 },
        { path: "sub", isDir: true },
      ]),
    );
    const big = await fetch(`${server.url}/api/experiment-runs/${out.run_id}/artifacts/content?path=big.bin`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    const bytes = Buffer.from(await big.arrayBuffer());
    const expected = Buffer.alloc(256 * 12288);
    for (let i = 0; i < expected.length; i++) expected[i] = i % 256;
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(createHash("sha256").update(expected).digest("hex"));
  });

  it("records sklearn autolog into a notebook's experiment using only the kernel's environment", async () => {
    const nb = await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "Train" });
    const db = server.server!.database.db;
    const { token } = await createToken(db, { userId: owner.id, name: "kernel", projectId });
    const kernelEnv = await server.server!.tracking.kernelTrackingEnv({
      notebookId: nb.body.id,
      projectId,
      userId: owner.id,
      apiBaseUrl: `${server.url}/api`,
      token,
    });
    expect(kernelEnv.MLFLOW_TRACKING_URI).toBe(server.url);
    // What a notebook cell does: no set-up, just mlflow.
    const out = await runPython(
      `
import json, mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
mlflow.sklearn.autolog()
X, y = load_iris(return_X_y=True)
with mlflow.start_run() as run:
    LogisticRegression(max_iter=300, C=0.5).fit(X, y)
print(json.dumps({"run_id": run.info.run_id, "experiment_id": run.info.experiment_id}))
`,
      { ...kernelEnv },
    );
    const experiments = (await owner.client.get(`/api/projects/${projectId}/experiments`)).body as {
      id: string;
      notebookId: string | null;
    }[];
    const nbExp = experiments.find((e) => e.notebookId === nb.body.id);
    expect(nbExp?.id).toBe(out.experiment_id);
    const run = (await owner.client.get(`/api/experiment-runs/${out.run_id}`)).body;
    expect(run.notebookId).toBe(nb.body.id);
    expect(run.status).toBe("FINISHED");
    expect(run.params).toMatchObject({ C: "0.5", max_iter: "300" });
    expect(run.metrics.training_accuracy_score.value).toBeGreaterThan(0.8);
    // Calling it again (the next kernel start) reuses the same experiment.
    const again = await server.server!.tracking.kernelTrackingEnv({
      notebookId: nb.body.id,
      projectId,
      userId: owner.id,
      apiBaseUrl: server.url,
      token,
    });
    expect(again.MLFLOW_EXPERIMENT_NAME).toBe(kernelEnv.MLFLOW_EXPERIMENT_NAME);
  }, 120_000);
});
