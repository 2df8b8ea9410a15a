import { createToken } from "@tandem/api";
import { createProject, createUser, type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { beforeAll, describe, expect, it } from "vitest";

// The MLflow REST API over raw HTTP: shapes, error codes, limits, access. (The stock client is in test/compat.)
let server: TestServer;
let owner: TestUser;
let viewer: TestUser;
let stranger: TestUser;
let projectId: string;
usePreamble({}, (p) => {
  ({ server } = p);
});
beforeAll(async () => {
  [owner, viewer, stranger] = await Promise.all(["owner", "viewer", "stranger"].map((n) => createUser(server.http, n)));
  projectId = await createProject(owner.client, [{ user: viewer, role: "viewer" }], "Tracking");
});

const M = "/api/2.0/mlflow";

async function newExperiment(name: string) {
  const res = await owner.client.post(`${M}/experiments/create`, {
    name,
    tags: [{ key: "tandem.projectId", value: projectId }],
  });
  expect(res.status).toBe(200);
  return res.body.experiment_id as string;
}

async function newRun(experimentId: string, extra: Record<string, unknown> = {}) {
  const res = await owner.client.post(`${M}/runs/create`, { experiment_id: experimentId, start_time: 1000, ...extra });
  expect(res.status).toBe(200);
  return res.body.run.info.run_id as string;
}

describe("MLflow experiments API", () => {
  it("creates, reads, finds by name, renames, deletes and restores an experiment", async () => {
    const id = await newExperiment("exp-crud");
    const got = await owner.client.get(`${M}/experiments/get?experiment_id=${id}`);
    expect(got.body.experiment).toMatchObject({
      experiment_id: id,
      name: "exp-crud",
      lifecycle_stage: "active",
      artifact_location: `mlflow-artifacts:/${id}`,
    });
    const byName = await viewer.client.get(`${M}/experiments/get-by-name?experiment_name=exp-crud`);
    expect(byName.body.experiment.experiment_id).toBe(id);

    const dup = await owner.client.post(`${M}/experiments/create`, {
      name: "exp-crud",
      tags: [{ key: "tandem.projectId", value: projectId }],
    });
    expect(dup.status).toBe(400);
    expect(dup.body.error_code).toBe("RESOURCE_ALREADY_EXISTS");

    expect(
      (await owner.client.post(`${M}/experiments/update`, { experiment_id: id, new_name: "exp-renamed" })).status,
    ).toBe(200);
    expect((await owner.client.get(`${M}/experiments/get?experiment_id=${id}`)).body.experiment.name).toBe(
      "exp-renamed",
    );

    const runId = await newRun(id);
    expect((await owner.client.post(`${M}/experiments/delete`, { experiment_id: id })).status).toBe(200);
    // Deleting an experiment deletes its runs; restoring brings both back.
    expect((await owner.client.get(`${M}/runs/get?run_id=${runId}`)).body.run.info.lifecycle_stage).toBe("deleted");
    const active = await owner.client.post(`${M}/experiments/search`, { max_results: 1000 });
    expect(active.body.experiments.map((e: { experiment_id: string }) => e.experiment_id)).not.toContain(id);
    const deleted = await owner.client.post(`${M}/experiments/search`, { view_type: "DELETED_ONLY" });
    expect(deleted.body.experiments.map((e: { experiment_id: string }) => e.experiment_id)).toContain(id);
    expect((await owner.client.post(`${M}/experiments/restore`, { experiment_id: id })).status).toBe(200);
    expect((await owner.client.get(`${M}/runs/get?run_id=${runId}`)).body.run.info.lifecycle_stage).toBe("active");
  });

  it("answers unknown experiments and routes in MLflow's error format", async () => {
    const missing = await owner.client.get(`${M}/experiments/get?experiment_id=987654`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error_code: "RESOURCE_DOES_NOT_EXIST", message: expect.any(String) });
    const byName = await owner.client.get(`${M}/experiments/get-by-name?experiment_name=nope`);
    expect(byName.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    const unknown = await owner.client.post(`${M}/runs/frobnicate`, {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe("ENDPOINT_NOT_FOUND");
    const unknownArtifacts = await owner.client.post("/api/2.0/mlflow-artifacts/nothing", {});
    expect(unknownArtifacts.body.error_code).toBe("ENDPOINT_NOT_FOUND");
    const bad = await owner.client.request("POST", `${M}/runs/create`, { rawBody: "{not json" });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    const noName = await owner.client.post(`${M}/experiments/create`, {});
    expect(noName.body.error_code).toBe("INVALID_PARAMETER_VALUE");
  });
});

describe("MLflow runs API", () => {
  it("logs a batch and reads it back, keeping the latest metric by step and storing NaN/inf as MLflow", async () => {
    const exp = await newExperiment("exp-batch");
    const runId = await newRun(exp, { run_name: "first", tags: [{ key: "team", value: "ml" }] });
    const batch = await owner.client.request("POST", `${M}/runs/log-batch`, {
      // Python's json writes bare NaN / Infinity; protobuf JSON writes them as strings. Both are accepted.
      rawBody: `{"run_id":"${runId}","metrics":[
        {"key":"loss","value":0.9,"timestamp":10,"step":0},
        {"key":"loss","value":0.5,"timestamp":11,"step":2},
        {"key":"loss","value":0.7,"timestamp":12,"step":1},
        {"key":"nan","value":NaN,"timestamp":10,"step":0},
        {"key":"inf","value":"Infinity","timestamp":10,"step":0},
        {"key":"ninf","value":-Infinity,"timestamp":10,"step":0}],
        "params":[{"key":"lr","value":"0.1"}],"tags":[{"key":"stage","value":"dev"}]}`,
    });
    expect(batch.status).toBe(200);
    const run = (await owner.client.get(`${M}/runs/get?run_id=${runId}`)).body.run;
    expect(run.info).toMatchObject({
      run_id: runId,
      run_uuid: runId,
      run_name: "first",
      status: "RUNNING",
      start_time: 1000,
    });
    const metrics = Object.fromEntries(run.data.metrics.map((m: { key: string; value: unknown }) => [m.key, m.value]));
    expect(metrics).toEqual({ loss: 0.5, nan: "NaN", inf: 1.7976931348623157e308, ninf: -1.7976931348623157e308 });
    expect(run.data.params).toEqual([{ key: "lr", value: "0.1" }]);
    expect(run.data.tags).toEqual(
      expect.arrayContaining([
        { key: "team", value: "ml" },
        { key: "stage", value: "dev" },
        { key: "mlflow.runName", value: "first" },
      ]),
    );
    const history = await owner.client.get(`${M}/metrics/get-history?run_id=${runId}&metric_key=loss`);
    expect(history.body.metrics.map((m: { step: number; value: number }) => [m.step, m.value])).toEqual([
      [0, 0.9],
      [1, 0.7],
      [2, 0.5],
    ]);
    // log-metric and log-parameter, one at a time.
    expect(
      (
        await owner.client.post(`${M}/runs/log-metric`, {
          run_id: runId,
          key: "acc",
          value: 0.8,
          timestamp: 5,
          step: 3,
        })
      ).status,
    ).toBe(200);
    expect(
      (await owner.client.post(`${M}/runs/log-parameter`, { run_id: runId, key: "depth", value: "4" })).status,
    ).toBe(200);
    expect((await owner.client.post(`${M}/runs/set-tag`, { run_id: runId, key: "x", value: "y" })).status).toBe(200);
    expect((await owner.client.post(`${M}/runs/delete-tag`, { run_id: runId, key: "x" })).status).toBe(200);
    const after = (await owner.client.get(`${M}/runs/get?run_id=${runId}`)).body.run;
    expect(after.data.metrics.find((m: { key: string }) => m.key === "acc")).toMatchObject({ value: 0.8, step: 3 });
    expect(after.data.tags.find((t: { key: string }) => t.key === "x")).toBeUndefined();
  });

  it("refuses bad batches whole: limits, changed params, bad values, unknown runs", async () => {
    const exp = await newExperiment("exp-bad");
    const runId = await newRun(exp);
    const metric = (i: number) => ({ key: `m${i % 3}`, value: i, timestamp: i, step: i });
    const cases: [string, Record<string, unknown>][] = [
      ["1001 metrics", { metrics: Array.from({ length: 1001 }, (_, i) => metric(i)) }],
      ["101 params", { params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: "v" })) }],
      ["101 tags", { tags: Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: "v" })) }],
      [
        "over 1000 in all",
        {
          metrics: Array.from({ length: 950 }, (_, i) => metric(i)),
          params: Array.from({ length: 60 }, (_, i) => ({ key: `q${i}`, value: "v" })),
        },
      ],
      ["a bad value after good metrics", { metrics: [metric(1), { key: "m", value: "abc", timestamp: 1, step: 0 }] }],
      ["a metric name with ..", { metrics: [{ key: "../etc", value: 1, timestamp: 1, step: 0 }] }],
    ];
    for (const [label, body] of cases) {
      const res = await owner.client.post(`${M}/runs/log-batch`, { run_id: runId, ...body });
      expect(res.status, label).toBe(400);
      expect(res.body.error_code, label).toBe("INVALID_PARAMETER_VALUE");
    }
    // Exactly at the limits is fine.
    const ok = await owner.client.post(`${M}/runs/log-batch`, {
      run_id: runId,
      metrics: Array.from({ length: 1000 }, (_, i) => metric(i)),
    });
    expect(ok.status).toBe(200);

    await owner.client.post(`${M}/runs/log-parameter`, { run_id: runId, key: "lr", value: "0.1" });
    // A changed param fails the whole batch: its metrics are not written either.
    const changed = await owner.client.post(`${M}/runs/log-batch`, {
      run_id: runId,
      metrics: [{ key: "late", value: 1, timestamp: 1, step: 0 }],
      params: [{ key: "lr", value: "0.2" }],
    });
    expect(changed.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    const run = (await owner.client.get(`${M}/runs/get?run_id=${runId}`)).body.run;
    expect(run.data.metrics.map((m: { key: string }) => m.key).sort()).toEqual(["m0", "m1", "m2"]);
    expect(run.data.params).toEqual([{ key: "lr", value: "0.1" }]);
    expect(
      (await owner.client.post(`${M}/runs/log-parameter`, { run_id: runId, key: "lr", value: "0.1" })).status,
    ).toBe(200);

    const unknown = await owner.client.post(`${M}/runs/log-batch`, {
      run_id: "0123456789abcdef0123456789abcdef",
      metrics: [],
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    const noRun = await owner.client.post(`${M}/runs/log-batch`, { metrics: [] });
    expect(noRun.body.error_code).toBe("INVALID_PARAMETER_VALUE");
  });

  it("refuses writes to finished and deleted runs, and lets them be reopened or restored", async () => {
    const exp = await newExperiment("exp-lifecycle");
    const runId = await newRun(exp);
    const end = await owner.client.post(`${M}/runs/update`, {
      run_id: runId,
      run_uuid: runId,
      status: "FINISHED",
      end_time: 2000,
    });
    expect(end.body.run_info).toMatchObject({ status: "FINISHED", end_time: 2000 });
    const write = () => owner.client.post(`${M}/runs/log-metric`, { run_id: runId, key: "x", value: 1, timestamp: 1 });
    let res = await write();
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    await owner.client.post(`${M}/runs/update`, { run_id: runId, status: "RUNNING" });
    expect((await write()).status).toBe(200);

    expect((await owner.client.post(`${M}/runs/delete`, { run_id: runId })).status).toBe(200);
    res = await write();
    expect(res.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(res.body.message).toContain("deleted");
    expect((await owner.client.post(`${M}/runs/restore`, { run_id: runId })).status).toBe(200);
    expect((await write()).status).toBe(200);
  });

  it("searches runs with filters, ordering and page tokens", async () => {
    const exp = await newExperiment("exp-search");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await newRun(exp, { start_time: 1000 + i });
      ids.push(id);
      await owner.client.post(`${M}/runs/log-batch`, {
        run_id: id,
        metrics: [{ key: "acc", value: i / 10, timestamp: 1, step: 0 }],
        params: [{ key: "model", value: i % 2 ? "rf" : "lr" }],
        tags: [{ key: "parity", value: i % 2 ? "odd" : "even" }],
      });
    }
    await owner.client.post(`${M}/runs/update`, { run_id: ids[4], status: "FAILED" });
    const search = (body: Record<string, unknown>) =>
      owner.client.post(`${M}/runs/search`, { experiment_ids: [exp], ...body }).then((r) => {
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        return r.body;
      });
    const runIds = (b: { runs?: { info: { run_id: string } }[] }) => (b.runs ?? []).map((r) => r.info.run_id);

    expect(runIds(await search({}))).toEqual([...ids].reverse()); // newest first
    expect(runIds(await search({ filter: "metrics.acc > 0.15", order_by: ["metrics.acc ASC"] }))).toEqual(ids.slice(2));
    expect(runIds(await search({ filter: "params.model = 'rf'" })).sort()).toEqual([ids[1], ids[3]].sort());
    expect(runIds(await search({ filter: "tags.parity = 'even' and metrics.acc >= 0.2" })).sort()).toEqual(
      [ids[2], ids[4]].sort(),
    );
    expect(runIds(await search({ filter: "attributes.status = 'FAILED'" }))).toEqual([ids[4]]);
    expect(
      runIds(
        await search({ filter: "attributes.status != 'FAILED'", order_by: ["params.model DESC", "metrics.acc DESC"] }),
      ),
    ).toEqual([ids[3], ids[1], ids[2], ids[0]]);

    const page1 = await search({ max_results: 2, order_by: ["metrics.acc DESC"] });
    expect(runIds(page1)).toEqual([ids[4], ids[3]]);
    const page2 = await search({ max_results: 2, order_by: ["metrics.acc DESC"], page_token: page1.next_page_token });
    expect(runIds(page2)).toEqual([ids[2], ids[1]]);

    const bad = await owner.client.post(`${M}/runs/search`, { experiment_ids: [exp], filter: "metrics.acc > 'x'" });
    expect(bad.body.error_code).toBe("INVALID_PARAMETER_VALUE");
  });
});

describe("MLflow access", () => {
  it("lets viewers read but not write, and hides experiments from strangers", async () => {
    const exp = await newExperiment("exp-access");
    const runId = await newRun(exp);
    expect((await viewer.client.get(`${M}/runs/get?run_id=${runId}`)).status).toBe(200);
    const write = await viewer.client.post(`${M}/runs/log-metric`, { run_id: runId, key: "x", value: 1, timestamp: 1 });
    expect(write.status).toBe(403);
    expect(write.body.error_code).toBe("PERMISSION_DENIED");
    const hidden = await stranger.client.get(`${M}/runs/get?run_id=${runId}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    expect((await stranger.client.get(`${M}/experiments/get?experiment_id=${exp}`)).body.error_code).toBe(
      "RESOURCE_DOES_NOT_EXIST",
    );
    expect((await stranger.client.get(`${M}/experiments/get-by-name?experiment_name=exp-access`)).body.error_code).toBe(
      "RESOURCE_DOES_NOT_EXIST",
    );
    const search = await stranger.client.post(`${M}/runs/search`, { experiment_ids: [exp] });
    expect(search.body.runs ?? []).toEqual([]);
    // A viewer cannot create experiments in the project either.
    const create = await viewer.client.post(`${M}/experiments/create`, {
      name: "v",
      tags: [{ key: "tandem.projectId", value: projectId }],
    });
    expect(create.body.error_code).toBe("PERMISSION_DENIED");
  });

  it("keeps a project-scoped token inside its project and creates experiments there", async () => {
    const other = await createProject(owner.client, [], "Other");
    const db = server.server!.database.db;
    const { token } = await createToken(db, { userId: owner.id, name: "kernel", projectId: other });
    const scoped = owner.client.as({ token });
    const created = await scoped.post(`${M}/experiments/create`, { name: "scoped-exp" });
    expect(created.status).toBe(200);
    const exp = (await owner.client.get(`${M}/experiments/get?experiment_id=${created.body.experiment_id}`)).body
      .experiment;
    expect(exp.name).toBe("scoped-exp");
    const listed = await owner.client.get(`/api/projects/${other}/experiments`);
    expect(listed.body.map((e: { name: string }) => e.name)).toEqual(["scoped-exp"]);
    // The project the token is not scoped to is out of reach.
    const outside = await newExperiment("outside-scope");
    expect((await scoped.get(`${M}/experiments/get?experiment_id=${outside}`)).body.error_code).toBe(
      "RESOURCE_DOES_NOT_EXIST",
    );
    const searched = await scoped.post(`${M}/experiments/search`, {});
    // (MLflow always lists a Default experiment; the scoped token's is made in its own project.)
    expect(searched.body.experiments.map((e: { name: string }) => e.name)).toEqual(["Default", "scoped-exp"]);
  });

  it("puts an unscoped user's experiment in their newest editable project, or a personal MLflow project", async () => {
    const loner = await createUser(server.http, "loner");
    const created = await loner.client.post(`${M}/experiments/create`, { name: "mine" });
    expect(created.status).toBe(200);
    const projects = (await loner.client.get("/api/projects")).body as { id: string; name: string }[];
    expect(projects.map((p) => p.name)).toEqual(["MLflow"]);
    const again = await loner.client.post(`${M}/experiments/create`, { name: "mine too" });
    const exp = (await loner.client.get(`${M}/experiments/get?experiment_id=${again.body.experiment_id}`)).body
      .experiment;
    expect(exp.name).toBe("mine too");
    expect((await loner.client.get("/api/projects")).body).toHaveLength(1);
  });

  it("maps MLflow's default experiment \"0\" to a Default experiment in the caller's project", async () => {
    const run = await owner.client.post(`${M}/runs/create`, { experiment_id: "0", start_time: 1 });
    expect(run.status).toBe(200);
    const exp = (await owner.client.get(`${M}/experiments/get?experiment_id=${run.body.run.info.experiment_id}`)).body
      .experiment;
    expect(exp.name).toBe("Default");
    const again = await owner.client.post(`${M}/runs/create`, { experiment_id: "0", start_time: 2 });
    expect(again.body.run.info.experiment_id).toBe(run.body.run.info.experiment_id);
  });

  it("refuses requests without a token in MLflow's format", async () => {
    const res = await server.http.post(`${M}/experiments/search`, {});
    expect(res.status).toBe(401);
    expect(res.body.error_code).toBe("UNAUTHENTICATED");
  });
});
