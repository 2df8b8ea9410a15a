import { createProject, createUser, type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { beforeAll, describe, expect, it } from "vitest";

// Tandem's own experiments/runs API (what the web app uses) and the proxied artifact store.
let server: TestServer;
let owner: TestUser;
let viewer: TestUser;
let stranger: TestUser;
let projectId: string;
let experimentId: string;
const runIds: string[] = [];
const M = "/api/2.0/mlflow";
const A = "/api/2.0/mlflow-artifacts/artifacts";

usePreamble({}, (p) => {
  ({ server } = p);
});
beforeAll(async () => {
  [owner, viewer, stranger] = await Promise.all(["owner", "viewer", "stranger"].map((n) => createUser(server.http, n)));
  projectId = await createProject(owner.client, [{ user: viewer, role: "viewer" }], "Table");
  const created = await owner.client.post(`${M}/experiments/create`, {
    name: "table",
    tags: [{ key: "tandem.projectId", value: projectId }],
  });
  experimentId = created.body.experiment_id;
  for (let i = 0; i < 12; i++) {
    const run = await owner.client.post(`${M}/runs/create`, { experiment_id: experimentId, start_time: 10_000 + i });
    const id = run.body.run.info.run_id as string;
    runIds.push(id);
    const res = await owner.client.post(`${M}/runs/log-batch`, {
      run_id: id,
      metrics: [
        { key: "loss", value: 12 - i, timestamp: 1, step: 0 },
        { key: "loss", value: (12 - i) / 2, timestamp: 2, step: 1 },
      ],
      params: [{ key: "optimizer", value: i % 3 === 0 ? "sgd" : "adam" }],
      tags: [
        { key: "tandem.environmentId", value: "env-abc" },
        { key: "tandem.gpus", value: "0,1" },
      ],
    });
    expect(res.status).toBe(200);
  }
});

describe("experiments and the run table", () => {
  it("lists a project's experiments for members only", async () => {
    const list = await viewer.client.get(`/api/projects/${projectId}/experiments`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([
      expect.objectContaining({ id: experimentId, name: "table", projectId, lifecycleStage: "active" }),
    ]);
    expect((await stranger.client.get(`/api/projects/${projectId}/experiments`)).status).toBe(404);
    expect((await stranger.client.get(`/api/experiments/${experimentId}`)).status).toBe(404);
    expect((await viewer.client.get(`/api/experiments/${experimentId}`)).body.name).toBe("table");
  });

  it("pages through runs sorted by a metric, with params and latest metrics in each row", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams({ limit: "5", orderBy: "metrics.loss ASC" });
      if (cursor) q.set("cursor", cursor);
      const page = await viewer.client.get(`/api/experiments/${experimentId}/runs?${q}`);
      expect(page.status).toBe(200);
      for (const r of page.body.runs) seen.push(r.id);
      cursor = page.body.nextCursor;
    } while (cursor);
    // Lowest latest loss first: the last-created run has the smallest.
    expect(seen).toEqual([...runIds].reverse());
    const first = (await viewer.client.get(`/api/experiments/${experimentId}/runs?limit=1&orderBy=metrics.loss%20ASC`))
      .body.runs[0];
    expect(first).toMatchObject({
      id: runIds[11],
      params: { optimizer: "adam" },
      metrics: { loss: { value: 0.5, step: 1, timestamp: 2 } },
      environmentId: "env-abc",
      gpus: ["0", "1"],
      status: "RUNNING",
    });
  });

  it("filters server-side and reports bad filters as 400", async () => {
    const q = new URLSearchParams({
      filter: "params.optimizer = 'sgd' and metrics.loss < 5",
      orderBy: "start_time ASC",
    });
    const res = await owner.client.get(`/api/experiments/${experimentId}/runs?${q}`);
    expect(res.body.runs.map((r: { id: string }) => r.id)).toEqual([runIds[3], runIds[6], runIds[9]]);
    const bad = await owner.client.get(
      `/api/experiments/${experimentId}/runs?filter=${encodeURIComponent("bogus.x = 1")}`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("bad_request");
  });

  it("shows a run's detail and metric history, hidden from strangers", async () => {
    const id = runIds[0]!;
    const detail = await viewer.client.get(`/api/experiment-runs/${id}`);
    expect(detail.body).toMatchObject({ id, experimentId, params: { optimizer: "sgd" }, inputs: [] });
    const history = await viewer.client.get(`/api/experiment-runs/${id}/metric-history?key=loss`);
    expect(history.body).toEqual({
      key: "loss",
      points: [
        { value: 12, step: 0, timestamp: 1 },
        { value: 6, step: 1, timestamp: 2 },
      ],
      nextCursor: null,
    });
    expect((await stranger.client.get(`/api/experiment-runs/${id}`)).status).toBe(404);
    expect((await stranger.client.get(`/api/experiment-runs/${id}/metric-history?key=loss`)).status).toBe(404);
  });
});

describe("artifacts", () => {
  const put = (user: TestUser, path: string, body: string) =>
    user.client.request("PUT", `${A}/${path}`, { rawBody: body, headers: { "content-type": "text/plain" } });

  it("stores files by content, lists directories and downloads through both APIs", async () => {
    const id = runIds[1]!;
    const root = `${experimentId}/${id}/artifacts`;
    expect((await put(owner, `${root}/report.txt`, "same bytes")).status).toBe(200);
    expect((await put(owner, `${root}/plots/a.txt`, "same bytes")).status).toBe(200);
    const listed = await owner.client.get(`${A}?path=${encodeURIComponent(root)}`);
    expect(listed.body.files).toEqual([
      { path: "plots", is_dir: true },
      { path: "report.txt", is_dir: false, file_size: 10 },
    ]);
    const mlflowList = await owner.client.get(`${M}/artifacts/list?run_id=${id}&path=plots`);
    expect(mlflowList.body).toEqual({
      root_uri: `mlflow-artifacts:/${root}`,
      files: [{ path: "plots/a.txt", is_dir: false, file_size: 10 }],
    });
    const got = await owner.client.get(`${A}/${root}/plots/a.txt`);
    expect(got.body).toBe("same bytes");
    const tandem = await viewer.client.get(`/api/experiment-runs/${id}/artifacts?path=plots`);
    expect(tandem.body).toEqual([{ path: "plots/a.txt", isDir: false, size: 10 }]);
    const download = await viewer.client.get(`/api/experiment-runs/${id}/artifacts/content?path=report.txt`);
    expect(download.body).toBe("same bytes");
    expect(download.headers.get("content-disposition")).toContain("report.txt");
    // One blob for both paths: the store is content-addressed.
    expect(download.headers.get("etag")).toBe(got.headers.get("etag"));
  });

  it("refuses `..`, unknown files, viewers' uploads, strangers and deleted runs", async () => {
    const id = runIds[2]!;
    const root = `${experimentId}/${id}/artifacts`;
    // HTTP clients fold literal `..` segments before sending; encoded slashes carry them through.
    for (const bad of [`${root}/a%2F..%2F..%2Fx.txt`, `${root}/..%2F..%2F..%2Fx.txt`, `${experimentId}%2F..%2Fx.txt`]) {
      const res = await put(owner, bad, "x");
      expect(res.status, bad).toBe(400);
      expect(res.body.error_code, bad).toBe("INVALID_PARAMETER_VALUE");
    }
    const traversal = await owner.client.get(
      `/api/experiment-runs/${id}/artifacts/content?path=${encodeURIComponent("../../x")}`,
    );
    expect(traversal.status).toBe(400);
    expect((await owner.client.get(`${A}/${root}/nope.txt`)).body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    const byViewer = await put(viewer, `${root}/v.txt`, "x");
    expect(byViewer.body.error_code).toBe("PERMISSION_DENIED");
    const byStranger = await put(stranger, `${root}/s.txt`, "x");
    expect(byStranger.status).toBe(404);
    expect(byStranger.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    await owner.client.post(`${M}/runs/delete`, { run_id: id });
    const toDeleted = await put(owner, `${root}/late.txt`, "x");
    expect(toDeleted.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    await owner.client.post(`${M}/runs/restore`, { run_id: id });
  });
});

describe("automatic tracking", () => {
  it("gives each notebook one experiment, and links runs created in it to the notebook", async () => {
    const nb = (await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "Explore" })).body;
    const tracking = server.server!.tracking;
    const input = {
      notebookId: nb.id,
      projectId,
      userId: owner.id,
      apiBaseUrl: `${server.url}/api/`,
      token: owner.token,
    };
    const [a, b] = await Promise.all([tracking.kernelTrackingEnv(input), tracking.kernelTrackingEnv(input)]);
    expect(a).toEqual(b);
    expect(a).toEqual({
      MLFLOW_TRACKING_URI: server.url,
      MLFLOW_TRACKING_TOKEN: owner.token,
      MLFLOW_EXPERIMENT_NAME: expect.stringContaining("Explore"),
    });
    const exp = await owner.client.get(
      `${M}/experiments/get-by-name?experiment_name=${encodeURIComponent(a.MLFLOW_EXPERIMENT_NAME)}`,
    );
    const run = await owner.client.post(`${M}/runs/create`, {
      experiment_id: exp.body.experiment.experiment_id,
      tags: [{ key: "tandem.notebookRevision", value: "rev-7" }],
    });
    const detail = await owner.client.get(`/api/experiment-runs/${run.body.run.info.run_id}`);
    expect(detail.body).toMatchObject({ notebookId: nb.id, notebookRevision: "rev-7" });
  });
});
