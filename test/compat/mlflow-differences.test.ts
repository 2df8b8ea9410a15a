import { createProject, createUser, startTestServer, type TestServer, type TestUser } from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertMlflowInstalled, runPython } from "./mlflow-client.ts";

// Where Tandem's tracking API used to differ from MLflow's server: one test per difference.
let server: TestServer;
let owner: TestUser;
let fresh: TestUser;
let projectId: string;
let experimentId: string;
let runId: string;
const M = "/api/2.0/mlflow";
beforeAll(async () => {
  await assertMlflowInstalled();
  server = await startTestServer();
  [owner, fresh] = await Promise.all([createUser(server.http, "owner"), createUser(server.http, "fresh")]);
  projectId = await createProject(owner.client, [], "Diffs");
  experimentId = (
    await owner.client.post(`${M}/experiments/create`, {
      name: "diffs",
      tags: [{ key: "tandem.projectId", value: projectId }],
    })
  ).body.experiment_id;
  runId = (await owner.client.post(`${M}/runs/create`, { experiment_id: experimentId })).body.run.info.run_id;
}, 120_000);
afterAll(() => server?.close());

const message = (res: { status: number; body: any }) => [res.status, res.body.error_code, res.body.message];

describe("the tracking API answers as MLflow's", () => {
  it("refuses wrongly typed experiments/create fields", async () => {
    for (const [body, field, shown] of [
      [{ name: 123 }, "name", "123"],
      [{ name: "x", artifact_location: 9.0 }, "artifact_location", "9"],
      [{ name: "x", tags: "5" }, "tags", '"5"'],
    ] as const) {
      expect(message(await owner.client.post(`${M}/experiments/create`, body))).toEqual([
        400,
        "INVALID_PARAMETER_VALUE",
        `Invalid value ${shown} for parameter '${field}' supplied`,
      ]);
    }
  });

  it("keeps the artifact_location a client gives, and refuses a runs:/ one", async () => {
    const out = await runPython(
      `
import json, os, mlflow
c = mlflow.MlflowClient()
given = c.create_experiment("located", artifact_location="s3://team-bucket/located", tags={"tandem.projectId": os.environ["PROJECT"]})
plain = c.create_experiment("plain", tags={"tandem.projectId": os.environ["PROJECT"]})
try:
    c.create_experiment("bad", artifact_location="runs:/abc/model")
    refused = None
except mlflow.exceptions.MlflowException as e:
    refused = [e.error_code, e.message]
print(json.dumps({"given": c.get_experiment(given).artifact_location, "plain": [plain, c.get_experiment(plain).artifact_location], "refused": refused}))
`,
      { MLFLOW_TRACKING_URI: server.url, MLFLOW_TRACKING_TOKEN: owner.token, PROJECT: projectId },
    );
    expect(out).toEqual({
      given: "s3://team-bucket/located",
      plain: [expect.any(String), `mlflow-artifacts:/${out.plain[0]}`],
      refused: ["INVALID_PARAMETER_VALUE", "Artifact location cannot be a runs:/ URI. Given: 'runs:/abc/model'"],
    });
  }, 60_000);

  it("lists the artifact proxy's root and says why a file cannot be written there", async () => {
    const put = await fetch(
      `${server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/root-check.txt`,
      { method: "PUT", headers: { authorization: `Bearer ${owner.token}` }, body: "x" },
    );
    expect(put.status).toBe(200);
    const out = await runPython(
      `
import json, os, tempfile, mlflow
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
root = get_artifact_repository("mlflow-artifacts:/")
listed = [(f.path, f.is_dir) for f in root.list_artifacts()]
missing = [f.path for f in root.list_artifacts("no-such-dir")]
path = os.path.join(tempfile.mkdtemp(), "a.txt")
open(path, "w").write("hello")
try:
    root.log_artifact(path)
    refused = None
except Exception as e:
    refused = str(e)
print(json.dumps({"listed": listed, "missing": missing, "refused": refused}))
`,
      { MLFLOW_TRACKING_URI: server.url, MLFLOW_TRACKING_TOKEN: owner.token },
    );
    // The root holds the experiments one can read that have files.
    expect(out.listed).toContainEqual([experimentId, true]);
    expect(out.missing).toEqual([]);
    expect(out.refused).toContain("Artifacts live under an experiment's root");
    // Strangers see none of it.
    const theirs = await fresh.client.get("/api/2.0/mlflow-artifacts/artifacts");
    expect(JSON.stringify(theirs.body.files ?? [])).not.toContain(`"${experimentId}"`);
  }, 60_000);

  it("words max_results out of range as MLflow's server does", async () => {
    for (const [res, shown, why] of [
      [
        await owner.client.post(`${M}/runs/search`, { experiment_ids: [experimentId], max_results: 50001 }),
        "50001",
        "It must be at most 50000",
      ],
      [
        await owner.client.post(`${M}/runs/search`, { experiment_ids: [experimentId], max_results: 0 }),
        "0",
        "It must be a positive integer",
      ],
      [await owner.client.post(`${M}/experiments/search`, { max_results: 50001 }), "50001", "It must be at most 50000"],
      [await owner.client.get(`${M}/registered-models/search?max_results=1001`), "1001", "It must be at most 1000"],
    ] as const) {
      expect(message(res)).toEqual([
        400,
        "INVALID_PARAMETER_VALUE",
        `Invalid value ${shown} for parameter 'max_results' supplied. ${why}`,
      ]);
    }
    expect(message(await owner.client.get(`${M}/model-versions/search?max_results=0`))).toEqual([
      400,
      "INVALID_PARAMETER_VALUE",
      "Invalid value for max_results. It must be a positive integer, but got 0",
    ]);
  });

  it('has a Default experiment "0" for a fresh user, listed and readable', async () => {
    const out = await runPython(
      `
import json, mlflow
c = mlflow.MlflowClient()
names = [e.name for e in c.search_experiments()]
e = c.get_experiment("0")
print(json.dumps({"names": names, "id": e.experiment_id, "name": e.name}))
`,
      { MLFLOW_TRACKING_URI: server.url, MLFLOW_TRACKING_TOKEN: fresh.token },
    );
    expect(out).toEqual({ names: ["Default"], id: "0", name: "Default" });
  }, 60_000);

  it("refuses a number as a tag value and deletes experiment tags with the stock client", async () => {
    expect(message(await owner.client.post(`${M}/runs/set-tag`, { run_id: runId, key: "k", value: 5 }))).toEqual([
      400,
      "INVALID_PARAMETER_VALUE",
      "Invalid value 5 for parameter 'value' supplied",
    ]);
    const out = await runPython(
      `
import json, os, mlflow
c = mlflow.MlflowClient()
c.set_experiment_tag(os.environ["EXP"], "team", "ml")
c.delete_experiment_tag(os.environ["EXP"], "team")
print(json.dumps(c.get_experiment(os.environ["EXP"]).tags))
`,
      { MLFLOW_TRACKING_URI: server.url, MLFLOW_TRACKING_TOKEN: owner.token, EXP: experimentId },
    );
    expect(out).toEqual({ "tandem.projectId": projectId });
  }, 60_000);

  it("serves artifacts with their type, as attachments, never sniffed", async () => {
    const base = `${server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts`;
    const auth = { authorization: `Bearer ${owner.token}` };
    await fetch(`${base}/notes.txt`, { method: "PUT", headers: auth, body: "hello" });
    const res = await fetch(`${base}/notes.txt`, { headers: auth });
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="notes.txt"');
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toBe("hello");
  });

  it("words parameter errors as MLflow does", async () => {
    expect(
      message(await owner.client.post(`${M}/runs/log-metric`, { run_id: 31, key: "a", value: 1, timestamp: 1 })),
    ).toEqual([400, "INVALID_PARAMETER_VALUE", "Invalid value 31 for parameter 'run_id' supplied"]);
    expect(
      message(await owner.client.post(`${M}/runs/log-batch`, { run_id: runId, params: [{ key: 31, value: "x" }] })),
    ).toEqual([400, "INVALID_PARAMETER_VALUE", "Invalid value 31 for parameter 'key' supplied"]);
    expect(
      message(await owner.client.post(`${M}/runs/log-batch`, { run_id: runId, metrics: [{ key: "a", value: 1 }] })),
    ).toEqual([400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'metrics[0].timestamp'"]);
    expect(message(await owner.client.post(`${M}/runs/log-batch`, { run_id: runId, metrics: "foo" }))).toEqual([
      400,
      "INVALID_PARAMETER_VALUE",
      `Invalid value "foo" for parameter 'metrics' supplied`,
    ]);
    const list = await owner.client.get(`${M}/artifacts/list?run_id=${runId}&path=../x`);
    expect(message(list)).toEqual([400, "INVALID_PARAMETER_VALUE", "Invalid path"]);
  });

  it("answers /api/3.0 in MLflow's error shape and /version as MLflow's server", async () => {
    const res = await owner.client.post("/api/3.0/mlflow/traces", {});
    expect(res.status).toBe(404);
    expect(res.body.error_code).toBe("ENDPOINT_NOT_FOUND");
    const version = await fetch(`${server.url}/version`);
    expect(version.status).toBe(200);
    expect(await version.text()).toMatch(/^3\.\d+\.\d+$/);
  });
});
