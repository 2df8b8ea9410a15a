import { createProject, type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { beforeAll, describe, expect, it } from "vitest";

// Models over raw HTTP: MLflow's registry shapes and errors, Tandem's REST, lineage, alias history, access, guards.
let server: TestServer;
let owner: TestUser;
let viewer: TestUser;
let stranger: TestUser;
let other: TestUser;
let projectId: string;
let otherProject: string;
// `other` reads the model's project and edits their own: the cross-project case.
usePreamble(
  {
    users: ["owner", "viewer", "stranger", "other"],
    project: { name: "Churn team", members: { viewer: "viewer", other: "viewer" } },
  },
  (p) => {
    ({
      server,
      projectId,
      users: { owner, viewer, stranger, other },
    } = p);
  },
);
beforeAll(async () => {
  otherProject = await createProject(other.client, [], "Feature team");
});

const M = "/api/2.0/mlflow";

/** A run with a logged model (MLmodel and input example uploaded, finalised) and a logged dataset, as the client does. */
async function runWithModel(experimentId: string, name = "model") {
  const run = (await owner.client.post(`${M}/runs/create`, { experiment_id: experimentId, start_time: 1000 })).body.run
    .info.run_id as string;
  await owner.client.post(`${M}/runs/log-batch`, {
    run_id: run,
    params: [{ key: "C", value: "0.5" }],
    metrics: [{ key: "accuracy", value: 0.93, timestamp: 1000, step: 0 }],
  });
  await owner.client.post(`${M}/runs/log-inputs`, {
    run_id: run,
    datasets: [{ dataset: { name: "churn.csv", digest: "abc123", source_type: "local", source: "{}" }, tags: [] }],
  });
  const created = await owner.client.post(`${M}/logged-models`, {
    experiment_id: experimentId,
    name,
    source_run_id: run,
    model_type: "sklearn",
    params: [{ key: "C", value: "0.5" }],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const model = created.body.model.info;
  expect(model).toMatchObject({ name, status: "LOGGED_MODEL_PENDING", source_run_id: run });
  expect(model.model_id).toMatch(/^m-[0-9a-f]{32}$/);
  expect(model.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/models/${model.model_id}/artifacts`);
  const root = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/models/${model.model_id}/artifacts`;
  for (const [file, body] of [
    ["MLmodel", 'flavors:\n  sklearn: {}\nsignature:\n  inputs: \'[{"type": "double", "name": "x"}]\'\n'],
    ["input_example.json", '{"columns": ["x"], "data": [[1.0]]}'],
  ] as const) {
    const put = await fetch(`${server.url}${root}/${file}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${owner.token}` },
      body,
    });
    expect(put.status).toBe(200);
  }
  // Finalised with the enum's number (2 = LOGGED_MODEL_READY), as some clients send it.
  const done = await owner.client.patch(`${M}/logged-models/${model.model_id}`, {
    model_id: model.model_id,
    status: 2,
  });
  expect(done.body.model.info.status).toBe("LOGGED_MODEL_READY");
  await owner.client.post(`${M}/runs/outputs`, { run_id: run, models: [{ model_id: model.model_id, step: 0 }] });
  return { run, modelId: model.model_id as string };
}

async function experiment(name: string) {
  const res = await owner.client.post(`${M}/experiments/create`, {
    name,
    tags: [{ key: "tandem.projectId", value: projectId }],
  });
  return res.body.experiment_id as string;
}

describe("logged models over MLflow's REST API", () => {
  it("creates, tags, searches with filters, order and pages, and deletes", async () => {
    const exp = await experiment("logged");
    const a = await runWithModel(exp, "alpha");
    const b = await runWithModel(exp, "beta");
    await owner.client.patch(`${M}/logged-models/${a.modelId}/tags`, { tags: [{ key: "team", value: "churn" }] });
    await owner.client.post(`${M}/logged-models/${a.modelId}/params`, { params: [{ key: "depth", value: "3" }] });
    const got = (await viewer.client.get(`${M}/logged-models/${a.modelId}`)).body.model;
    expect(got.info.tags).toEqual([{ key: "team", value: "churn" }]);
    expect(got.data.params).toEqual(expect.arrayContaining([{ key: "depth", value: "3" }]));

    const byTag = await owner.client.post(`${M}/logged-models/search`, {
      experiment_ids: [exp],
      filter: "tags.team = 'churn'",
    });
    expect(byTag.body.models.map((m: any) => m.info.model_id)).toEqual([a.modelId]);
    const ordered = await owner.client.post(`${M}/logged-models/search`, {
      experiment_ids: [exp],
      order_by: [{ field_name: "name", ascending: false }],
      max_results: 1,
    });
    expect(ordered.body.models[0].info.name).toBe("beta");
    const next = await owner.client.post(`${M}/logged-models/search`, {
      experiment_ids: [exp],
      order_by: [{ field_name: "name", ascending: false }],
      max_results: 1,
      page_token: ordered.body.next_page_token,
    });
    expect(next.body.models[0].info.name).toBe("alpha");
    expect(next.body.next_page_token).toBeUndefined();

    expect((await owner.client.delete(`${M}/logged-models/${a.modelId}/tags/team`)).status).toBe(200);
    expect((await viewer.client.delete(`${M}/logged-models/${b.modelId}`)).body.error_code).toBe("PERMISSION_DENIED");
    expect((await stranger.client.get(`${M}/logged-models/${b.modelId}`)).body.error_code).toBe(
      "RESOURCE_DOES_NOT_EXIST",
    );
    expect((await owner.client.delete(`${M}/logged-models/${b.modelId}`)).status).toBe(200);
    expect((await owner.client.get(`${M}/logged-models/${b.modelId}`)).status).toBe(404);
    const bad = await owner.client.patch(`${M}/logged-models/${a.modelId}`, { status: "DONE" });
    expect(bad.body.error_code).toBe("INVALID_PARAMETER_VALUE");
  });
});

describe("the model registry", () => {
  it("answers MLflow's errors, search filters, page tokens and reserved aliases", async () => {
    const exp = await experiment("registry-errors");
    const { run, modelId } = await runWithModel(exp);
    const create = await owner.client.post(`${M}/registered-models/create`, {
      name: "fraud",
      tags: [{ key: "tandem.projectId", value: projectId }],
    });
    expect(create.status).toBe(200);
    expect((await owner.client.post(`${M}/registered-models/create`, { name: "fraud" })).body.error_code).toBe(
      "RESOURCE_ALREADY_EXISTS",
    );
    for (let i = 0; i < 3; i++) {
      const v = await owner.client.post(`${M}/model-versions/create`, {
        name: "fraud",
        source: `models:/${modelId}`,
        run_id: run,
        model_id: modelId,
      });
      expect(v.body.model_version).toMatchObject({
        name: "fraud",
        version: String(i + 1),
        status: "READY",
        run_id: run,
      });
    }
    for (const alias of ["latest", "V2", "no spaces"]) {
      const res = await owner.client.post(`${M}/registered-models/alias`, { name: "fraud", alias, version: "1" });
      expect(res.body.error_code, alias).toBe("INVALID_PARAMETER_VALUE");
    }
    await owner.client.post(`${M}/registered-models/alias`, { name: "fraud", alias: "champion", version: "2" });
    const page1 = await viewer.client.get(
      `${M}/model-versions/search?filter=${encodeURIComponent("name = 'fraud'")}&max_results=2`,
    );
    expect(page1.body.model_versions.map((v: any) => [v.version, v.aliases])).toEqual([
      ["3", []],
      ["2", ["champion"]],
    ]);
    const page2 = await viewer.client.get(
      `${M}/model-versions/search?filter=${encodeURIComponent("name = 'fraud'")}&max_results=2&page_token=${page1.body.next_page_token}`,
    );
    expect(page2.body.model_versions.map((v: any) => v.version)).toEqual(["1"]);
    const byRun = await viewer.client.get(
      `${M}/model-versions/search?filter=${encodeURIComponent(`run_id = '${run}'`)}`,
    );
    expect(byRun.body.model_versions).toHaveLength(3);
    const like = await viewer.client.get(
      `${M}/registered-models/search?filter=${encodeURIComponent("name LIKE 'fra%'")}`,
    );
    expect(like.body.registered_models.map((m: any) => [m.name, m.aliases])).toEqual([
      ["fraud", [{ alias: "champion", version: "2" }]],
    ]);
    expect((await stranger.client.get(`${M}/registered-models/get?name=fraud`)).body.error_code).toBe(
      "RESOURCE_DOES_NOT_EXIST",
    );
    expect(
      (await viewer.client.post(`${M}/registered-models/alias`, { name: "fraud", alias: "x", version: "1" })).body
        .error_code,
    ).toBe("PERMISSION_DENIED");
    expect((await owner.client.get(`${M}/model-versions/get?name=fraud&version=9`)).body.error_code).toBe(
      "RESOURCE_DOES_NOT_EXIST",
    );
    const unknownRun = await owner.client.post(`${M}/model-versions/create`, {
      name: "fraud",
      source: "runs:/0123456789abcdef0123456789abcdef/model",
    });
    expect(unknownRun.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    const dotdot = await owner.client.post(`${M}/model-versions/create`, {
      name: "fraud",
      source: "mlflow-artifacts:/1/../x",
    });
    expect(dotdot.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    // Nothing half-written: still three versions.
    expect(
      (await owner.client.get(`${M}/model-versions/search?filter=${encodeURIComponent("name = 'fraud'")}`)).body
        .model_versions,
    ).toHaveLength(3);
    const uri = await owner.client.get(`${M}/model-versions/get-download-uri?name=fraud&version=1`);
    expect(uri.body.artifact_uri).toBe(`mlflow-artifacts:/${exp}/models/${modelId}/artifacts`);
    const staged = await owner.client.post(`${M}/model-versions/transition-stage`, {
      name: "fraud",
      version: "1",
      stage: "Production",
    });
    expect(staged.body.model_version.current_stage).toBe("Production");
    const latest = await owner.client.post(`${M}/registered-models/get-latest-versions`, {
      name: "fraud",
      stages: ["Production"],
    });
    expect(latest.body.model_versions.map((v: any) => v.version)).toEqual(["1"]);
    const renamed = await owner.client.post(`${M}/registered-models/rename`, { name: "fraud", new_name: "fraud-v2" });
    expect(renamed.body.registered_model.name).toBe("fraud-v2");
    expect((await owner.client.delete(`${M}/registered-models/delete`, { body: { name: "fraud-v2" } })).status).toBe(
      200,
    );
  });

  it("traces a version to its run, notebook revision, environment and data; keeps the alias history; guards deletes", async () => {
    const exp = await experiment("registry-lineage");
    const { run, modelId } = await runWithModel(exp);
    await owner.client.post(`${M}/runs/log-batch`, {
      run_id: run,
      tags: [
        { key: "tandem.environmentId", value: "sha256-lockhash" },
        { key: "tandem.gpus", value: "0,1" },
      ],
    });
    const created = await owner.client.post(`/api/projects/${projectId}/models`, { name: "churn" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await owner.client.post(`/api/projects/${projectId}/models`, { name: "churn" })).status).toBe(409);
    const v1 = await owner.client.post("/api/models/churn/versions", { runId: run });
    expect(v1.status, JSON.stringify(v1.body)).toBe(201);
    expect(v1.body).toMatchObject({ version: 1, modelId, runId: run, metrics: { accuracy: 0.93 } });
    const v2 = await owner.client.post("/api/models/churn/versions", { modelId });
    expect(v2.body.version).toBe(2);
    // The run page's logged models, with what was registered from each; strangers see no run.
    const logged = await viewer.client.get(`/api/experiment-runs/${run}/logged-models`);
    expect(logged.status, JSON.stringify(logged.body)).toBe(200);
    expect(logged.body).toEqual([
      expect.objectContaining({
        id: modelId,
        name: "model",
        runId: run,
        status: "LOGGED_MODEL_READY",
        registrations: [
          { name: "churn", version: 1 },
          { name: "churn", version: 2 },
        ],
      }),
    ]);
    expect((await stranger.client.get(`/api/experiment-runs/${run}/logged-models`)).status).toBe(404);

    const lineage = await viewer.client.get(`/api/model-versions/${v1.body.id}/lineage`);
    expect(lineage.status, JSON.stringify(lineage.body)).toBe(200);
    expect(lineage.body).toMatchObject({
      loggedModel: { id: modelId, status: "LOGGED_MODEL_READY", params: { C: "0.5" } },
      run: { id: run, experimentId: exp, params: { C: "0.5" }, metrics: { accuracy: 0.93 } },
      environment: { lockHash: "sha256-lockhash" },
      gpus: ["0", "1"],
      datasets: [{ name: "churn.csv", digest: "abc123" }],
    });
    expect(lineage.body.loggedModel.mlmodel).toContain("signature:");
    expect(lineage.body.loggedModel.inputExample).toBe('{"columns": ["x"], "data": [[1.0]]}');
    expect(lineage.body.loggedModel.artifacts.map((a: any) => a.path)).toEqual(["MLmodel", "input_example.json"]);

    // Alias moves, one millisecond apart at least, so that "at" has an answer between them.
    expect((await owner.client.put("/api/models/churn/aliases/production", { version: 1 })).status).toBe(200);
    const t0 = Date.now();
    while (Date.now() === t0) {}
    const moved = await owner.client.put("/api/models/churn/aliases/production", { version: 2 });
    expect(moved.body.aliases).toEqual({ production: 2 });
    const history = await viewer.client.get("/api/models/churn/alias-history");
    expect(history.body.events.map((e: any) => [e.alias, e.fromVersion, e.toVersion, e.userEmail])).toEqual([
      ["production", null, 1, owner.email],
      ["production", 1, 2, owner.email],
    ]);
    const first = history.body.events[0].at;
    const then = await viewer.client.get(`/api/models/churn/alias-history?at=${new Date(first).toISOString()}`);
    expect(then.body.aliasesAt).toEqual({ production: 1 });
    const before = await viewer.client.get(`/api/models/churn/alias-history?at=${first - 1}`);
    expect(before.body.aliasesAt).toEqual({});
    expect((await viewer.client.get("/api/models/churn/alias-history?at=yesterday")).status).toBe(400);

    // Access: viewers read but do not move aliases; strangers do not see the model.
    expect((await viewer.client.put("/api/models/churn/aliases/production", { version: 1 })).status).toBe(403);
    expect((await stranger.client.get("/api/models/churn")).status).toBe(404);
    expect((await stranger.client.get(`/api/model-versions/${v1.body.id}/lineage`)).status).toBe(404);
    expect((await owner.client.put("/api/models/churn/aliases/latest", { version: 1 })).status).toBe(400);

    // Another team registers this run's model into their own project's model: reading the source is enough.
    await other.client.post(`/api/projects/${otherProject}/models`, { name: "churn-features" });
    const theirs = await other.client.post("/api/models/churn-features/versions", { runId: run });
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(201);
    expect((await stranger.client.post("/api/models/churn-features/versions", { runId: run })).status).toBe(404);

    // A guard (the deployments service) refuses with 409 and nothing changes.
    server.server!.tracking.models.setGuard({
      deleteVersion: async (v) =>
        v.name === "churn" && v.version === 2 ? "Deployment 'churn-prod' serves churn v2" : null,
      moveAlias: async (a) => (a.alias === "production" ? "Deployment 'churn-prod' follows churn@production" : null),
    });
    const refused = await owner.client.delete("/api/models/churn/versions/2");
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({ code: "conflict", message: "Deployment 'churn-prod' serves churn v2" });
    const mlflowRefused = await owner.client.post(`${M}/registered-models/alias`, {
      name: "churn",
      alias: "production",
      version: "1",
    });
    expect(mlflowRefused.status).toBe(409);
    expect(mlflowRefused.body.error_code).toBe("RESOURCE_CONFLICT");
    server.server!.tracking.models.setGuard({});
    expect((await owner.client.get("/api/models/churn")).body.versions.map((v: any) => [v.version, v.aliases])).toEqual(
      [
        [2, ["production"]],
        [1, []],
      ],
    );
    expect((await owner.client.delete("/api/models/churn/versions/2")).status).toBe(204);
    // Deleting the version took its alias with it, recorded in the history.
    const after = await owner.client.get("/api/models/churn/alias-history?alias=production");
    expect(after.body.events.at(-1)).toMatchObject({ fromVersion: 2, toVersion: null });
    const list = await viewer.client.get(`/api/projects/${projectId}/models`);
    expect(list.body.map((m: any) => [m.name, m.latestVersion, m.aliases])).toEqual([["churn", 1, {}]]);
  });
});
