import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  createProject,
  createUser,
  HttpClient,
  startS3,
  startTestServer,
  type TestS3,
  type TestServer,
  type TestUser,
} from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertMlflowInstalled, runPython } from "../compat/mlflow-client.ts";

// Two servers on one Postgres (one in-process, one `tandem serve` process) keep their artifacts in one bucket of a real
// S3-compatible server (moto); the stock MLflow client writes through one and reads through the other.
let s3: TestS3;
let a: TestServer;
let b: TestServer;
let owner: TestUser;
let experimentId: string;

beforeAll(async () => {
  await assertMlflowInstalled();
  s3 = await startS3();
  const env = s3.env("team/artifacts");
  a = await startTestServer({ env });
  b = await startTestServer({ process: true, env, database: a.database });
  owner = await createUser(a.http, "owner");
  const projectId = await createProject(owner.client, [], "Shared");
  const exp = await owner.client.post("/api/2.0/mlflow/experiments/create", {
    name: "shared-storage",
    tags: [{ key: "tandem.projectId", value: projectId }],
  });
  expect(exp.status, JSON.stringify(exp.body)).toBe(200);
  experimentId = exp.body.experiment_id;
}, 120_000);
afterAll(async () => {
  await b?.close();
  await a?.close();
  await s3?.close();
});

const notes = "hello from server A";

describe("artifacts in S3, across servers", { timeout: 120_000 }, () => {
  it("logs through one server and lists and downloads through another, the bytes in the bucket", async () => {
    // One client process, pointed at A to write and then at B to read.
    const read = await runPython<{ top: string[]; model: [string, number][]; notes: string; weights: string }>(
      `
import hashlib, json, os, tempfile, mlflow
mlflow.set_tracking_uri(os.environ["SERVER_A"])
mlflow.set_experiment(experiment_id=os.environ["EXPERIMENT_ID"])
d = tempfile.mkdtemp()
with open(os.path.join(d, "notes.txt"), "w") as f: f.write(${JSON.stringify(notes)})
big = os.path.join(d, "weights.bin")
with open(big, "wb") as f: f.write(bytes(range(256)) * 8192)
with mlflow.start_run() as run:
    mlflow.log_artifact(os.path.join(d, "notes.txt"))
    mlflow.log_artifact(big, artifact_path="model")
    mlflow.log_dict({"lr": 0.1}, "model/config.json")
rid = run.info.run_id
mlflow.set_tracking_uri(os.environ["SERVER_B"])
client = mlflow.MlflowClient()
local = mlflow.artifacts.download_artifacts(run_id=rid, artifact_path="model", dst_path=tempfile.mkdtemp())
print(json.dumps({
    "top": sorted(f.path for f in client.list_artifacts(rid)),
    "model": sorted([f.path, f.file_size] for f in client.list_artifacts(rid, "model")),
    "notes": open(mlflow.artifacts.download_artifacts(run_id=rid, artifact_path="notes.txt", dst_path=tempfile.mkdtemp())).read(),
    "weights": hashlib.sha256(open(os.path.join(local, "weights.bin"), "rb").read()).hexdigest(),
}))
`,
      { SERVER_A: a.url, SERVER_B: b.url, MLFLOW_TRACKING_TOKEN: owner.token, EXPERIMENT_ID: experimentId },
    );
    const weights = Buffer.from(Array.from({ length: 256 * 8192 }, (_, i) => i % 256));
    expect(read.top).toEqual(["model", "notes.txt"]);
    expect(read.model).toEqual([
      ["model/config.json", 15],
      ["model/weights.bin", weights.length],
    ]);
    expect(read.notes).toBe(notes);
    expect(read.weights).toBe(createHash("sha256").update(weights).digest("hex"));

    // Content-addressed in the bucket as on disk, and nothing on either server's disk.
    const sha = createHash("sha256").update(notes).digest("hex");
    const keys = await s3.keys("team/artifacts/");
    expect(keys).toContain(`team/artifacts/sha256/${sha.slice(0, 2)}/${sha}`);
    expect(keys).toHaveLength(3);
    for (const s of [a, b]) expect(existsSync(join(s.dataDir, "artifacts", "sha256"))).toBe(false);
  });

  it("serves the same file through Tandem's own API on the other server", async () => {
    const runs = await owner.client.post("/api/2.0/mlflow/runs/search", { experiment_ids: [experimentId] });
    const runId = runs.body.runs[0].info.run_id;
    const viaB = await new HttpClient(b.url, { token: owner.token }).get(
      `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/notes.txt`,
    );
    expect(viaB.status).toBe(200);
    expect(viaB.body).toBe(notes);
  });

  it("refuses to start when the bucket does not exist, naming it", async () => {
    await expect(
      startTestServer({
        database: a.database,
        env: { ...s3.env("x"), TANDEM_ARTIFACTS_URL: "s3://no-such-bucket/x" },
      }),
    ).rejects.toThrow(/s3:\/\/no-such-bucket\/x cannot be used \(it does not exist\)/);
  });
});
