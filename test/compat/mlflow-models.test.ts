import { createToken } from "@tandem/api";
import { createProject, createUser, startTestServer, type TestServer, type TestUser } from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertMlflowInstalled, runPython } from "./mlflow-client.ts";

// MLflow 3 logged models and the model registry, driven by the stock client, read back through Tandem.
let server: TestServer;
let owner: TestUser;
let projectId: string;
let env: Record<string, string>;
beforeAll(async () => {
  await assertMlflowInstalled();
  server = await startTestServer();
  owner = await createUser(server.http, "modeller");
  projectId = await createProject(owner.client, [], "Models");
  env = { MLFLOW_TRACKING_URI: server.url, MLFLOW_TRACKING_TOKEN: owner.token };
}, 120_000);
afterAll(() => server?.close());

const registryScript = `
import json, os, warnings, mlflow
warnings.filterwarnings("ignore")
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
mlflow.set_experiment(experiment_id=os.environ["EXPERIMENT_ID"])
X, y = load_iris(return_X_y=True, as_frame=True)
with mlflow.start_run() as run:
    clf = LogisticRegression(max_iter=300).fit(X, y)
    mlflow.log_metric("accuracy", float(clf.score(X, y)))
    info = mlflow.sklearn.log_model(clf, name="model", input_example=X.head(3))
v1 = mlflow.register_model(f"runs:/{run.info.run_id}/model", "churn")
v2 = mlflow.register_model(f"models:/{info.model_id}", "churn")
client = MlflowClient()
client.set_registered_model_alias("churn", "production", "1")
client.set_registered_model_alias("churn", "staging", "2")
by_alias = mlflow.pyfunc.load_model("models:/churn@production").predict(X.head(5)).tolist()
by_version = mlflow.pyfunc.load_model("models:/churn/1").predict(X.head(5)).tolist()
def code(f):
    try:
        f()
    except MlflowException as e:
        return e.error_code
found = client.search_model_versions("name = 'churn'")
print(json.dumps({
    "run_id": run.info.run_id,
    "model_id": info.model_id,
    "versions": [v1.version, v2.version],
    "sources": [v1.source, v2.source],
    "expected": clf.predict(X.head(5)).tolist(),
    "by_alias": by_alias,
    "by_version": by_version,
    "alias_version": client.get_model_version_by_alias("churn", "production").version,
    "search_aliases": {v.version: list(v.aliases) for v in found},
    "model_aliases": client.get_registered_model("churn").aliases,
    "logged": [m.model_id for m in client.search_logged_models(experiment_ids=[os.environ["EXPERIMENT_ID"]])],
    "logged_status": str(client.get_logged_model(info.model_id).status),
    "duplicate": code(lambda: client.create_registered_model("churn")),
    "reserved": [code(lambda: client.set_registered_model_alias("churn", a, "1")) for a in ["latest", "v1", "bad alias"]],
    "missing_version": code(lambda: client.get_model_version("churn", "99")),
    "missing_model": code(lambda: client.get_registered_model("nope")),
}))
`;

describe("the stock MLflow client with models", () => {
  it("logs an sklearn model, registers it from runs:/ and models:/, aliases it and loads it back", async () => {
    const created = await owner.client.post("/api/2.0/mlflow/experiments/create", {
      name: "models-compat",
      tags: [{ key: "tandem.projectId", value: projectId }],
    });
    const out = await runPython(registryScript, { ...env, EXPERIMENT_ID: created.body.experiment_id });
    expect(out.versions).toEqual(["1", "2"]);
    expect(out.by_alias).toEqual(out.expected);
    expect(out.by_version).toEqual(out.expected);
    expect(out.alias_version).toBe("1");
    expect(out.search_aliases).toEqual({ "1": ["production"], "2": ["staging"] });
    expect(out.model_aliases).toEqual({ production: "1", staging: "2" });
    expect(out.logged).toEqual([out.model_id]);
    expect(out.logged_status).toBe("READY");
    expect(out.duplicate).toBe("RESOURCE_ALREADY_EXISTS");
    expect(out.reserved).toEqual(["INVALID_PARAMETER_VALUE", "INVALID_PARAMETER_VALUE", "INVALID_PARAMETER_VALUE"]);
    expect(out.missing_version).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(out.missing_model).toBe("RESOURCE_DOES_NOT_EXIST");
  }, 120_000);

  it("logs models with autolog from a notebook kernel's environment and registers them", async () => {
    const nb = await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "Autolog" });
    const { token } = await createToken(server.server!.database.db, { userId: owner.id, name: "kernel", projectId });
    const kernelEnv = await server.server!.tracking.kernelTrackingEnv({
      notebookId: nb.body.id,
      projectId,
      userId: owner.id,
      apiBaseUrl: `${server.url}/api`,
      token,
    });
    const out = await runPython(
      `
import json, warnings, mlflow
warnings.filterwarnings("ignore")
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
mlflow.sklearn.autolog()
X, y = load_iris(return_X_y=True, as_frame=True)
with mlflow.start_run() as run:
    LogisticRegression(max_iter=300).fit(X, y)
client = mlflow.MlflowClient()
models = client.search_logged_models(experiment_ids=[run.info.experiment_id])
mv = mlflow.register_model(f"models:/{models[0].model_id}", "iris-autolog")
client.set_registered_model_alias("iris-autolog", "production", mv.version)
pred = mlflow.pyfunc.load_model("models:/iris-autolog@production").predict(X.head(3)).tolist()
print(json.dumps({"run_id": run.info.run_id, "models": [m.source_run_id for m in models], "version": mv.version, "pred": pred}))
`,
      { ...kernelEnv },
    );
    expect(out.models).toEqual([out.run_id]);
    expect(out.version).toBe("1");
    expect(out.pred).toHaveLength(3);
  }, 120_000);
});
