import { type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { beforeAll, describe, expect, it } from "vitest";

// The dashboard's live route (server-sent events): who may open it, and that revocation or removal
// from the project ends an open stream at once; and requests refused before serving are recorded.
// The deployment's model has no files, so it never serves: nothing here builds an environment.
let server: TestServer;
let owner: TestUser;
let viewer: TestUser;
let stranger: TestUser;
let projectId: string;
let deploymentId: string;
const M = "/api/2.0/mlflow";

usePreamble(
  { users: ["owner", "viewer", "stranger"], project: { name: "Live", members: { viewer: "viewer" } } },
  (p) => {
    ({
      server,
      projectId,
      users: { owner, viewer, stranger },
    } = p);
  },
);

beforeAll(async () => {
  const exp = await owner.client.post(`${M}/experiments/create`, {
    name: "live-exp",
    tags: [{ key: "tandem.projectId", value: projectId }],
  });
  const run = (await owner.client.post(`${M}/runs/create`, { experiment_id: exp.body.experiment_id })).body.run;
  await owner.client.post(`${M}/registered-models/create`, {
    name: "ghost",
    tags: [{ key: "tandem.projectId", value: projectId }],
  });
  const v = await owner.client.post(`${M}/model-versions/create`, {
    name: "ghost",
    source: `runs:/${run.info.run_id}/model`,
    run_id: run.info.run_id,
  });
  expect(v.status).toBe(200);
  const created = await owner.client.post(`/api/projects/${projectId}/deployments`, {
    name: "ghost-api",
    model: "ghost",
    version: 1,
  });
  expect(created.status).toBe(201);
  deploymentId = created.body.id;
});

/** Reads server-sent events from the live route until `stop` says enough (or the stream ends). */
async function events(
  token: string | null,
  stop: (seen: { event: string; data: any }[]) => boolean,
  onOpen?: () => Promise<void>,
) {
  const res = await fetch(`${server.url}/api/deployments/${deploymentId}/live?window=5m`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const seen: { event: string; data: any }[] = [];
  if (!res.ok) return { status: res.status, body: await res.json(), seen, ended: true };
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let opened = false;
  let ended = false;
  while (!stop(seen)) {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    buffer += decoder.decode(value, { stream: true });
    let cut = buffer.indexOf("\n\n");
    while (cut >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null");
      seen.push({ event, data });
      cut = buffer.indexOf("\n\n");
    }
    if (!opened && seen.length && onOpen) {
      opened = true;
      await onOpen();
    }
  }
  if (!ended) await reader.cancel();
  return { status: res.status, body: null, seen, ended };
}

const invoke = (name: string, token?: string) =>
  fetch(`${server.url}/deployments/${name}/invocations`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: '{"inputs": [[1, 2]]}',
  });

describe("the dashboard's live route", () => {
  it("pushes snapshots to members, about every second, and refuses others", async () => {
    const none = await events(null, () => true);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBeTruthy();
    const outsider = await events(stranger.token, () => true);
    expect(outsider.status).toBe(404);

    const live = await events(viewer.token, (seen) => seen.length >= 3);
    expect(live.seen.map((e) => e.event)).toEqual(["snapshot", "snapshot", "snapshot"]);
    const snap = live.seen[2]!.data;
    expect(snap.summary).toMatchObject({ window: "5m" });
    expect(snap.series).toMatchObject({ window: "5m", step: 5 });
    expect(snap.series.times).toHaveLength(60);
    expect(snap.series.marks.map((m: { kind: string }) => m.kind)).toContain("created");
    expect(live.seen[2]!.data.at).toBeGreaterThan(live.seen[0]!.data.at);
  });

  it("ends an open stream when the token is revoked", async () => {
    const extra = await viewer.client.post("/api/tokens", { name: "dashboard" });
    const result = await events(
      extra.body.token,
      (seen) => seen.some((e) => e.event === "closed"),
      async () => {
        expect((await viewer.client.delete(`/api/tokens/${extra.body.id}`)).status).toBe(204);
      },
    );
    expect(result.seen.at(-1)).toEqual({
      event: "closed",
      data: { code: "unauthenticated", message: "Your access was revoked" },
    });
  });

  it("ends an open stream when the viewer leaves the project", async () => {
    const result = await events(
      viewer.token,
      (seen) => seen.some((e) => e.event === "closed"),
      async () => {
        expect((await owner.client.delete(`/api/projects/${projectId}/members/${viewer.id}`)).status).toBe(204);
      },
    );
    expect(result.seen.at(-1)?.data).toMatchObject({ code: "forbidden" });
    expect((await events(viewer.token, () => true)).status).toBe(404);
    await owner.client.post(`/api/projects/${projectId}/members`, { email: viewer.email, role: "viewer" });
  });
});

describe("requests refused before serving", () => {
  it("are counted under the deployment they name; unknown names share one series", async () => {
    expect((await invoke("ghost-api")).status).toBe(401);
    expect((await invoke("ghost-api", "tdm_not-a-token-at-all")).status).toBe(401);
    expect((await invoke("ghost-api", stranger.token)).status).toBe(403);
    for (let i = 0; i < 3; i++) expect((await invoke(`made-up-${i}`, owner.token)).status).toBe(404);
    // The refusals are recorded off the answer's path; give them a moment, then flush.
    await new Promise((r) => setTimeout(r, 200));
    await server.server!.serving.flushMetrics();

    const m = (await owner.client.get(`/api/deployments/${deploymentId}/metrics?window=5m`)).body;
    expect(m).toMatchObject({ requests: 3, errors: { "4xx": 3, "5xx": 0 } });
    expect(m.byVersion).toEqual([expect.objectContaining({ version: null, requests: 3 })]);
    // Nothing of a refused caller's body is kept.
    expect((await owner.client.get(`/api/deployments/${deploymentId}/requests`)).body).toEqual([]);

    const text = await server.server!.serving.prometheus.metrics();
    expect(text).toContain('tandem_deployment_requests_total{deployment="ghost-api",version="none",code="401"} 2');
    expect(text).toContain('tandem_deployment_requests_total{deployment="ghost-api",version="none",code="403"} 1');
    expect(text).toMatch(/^tandem_deployment_unknown_requests_total 3$/m);
    expect(text).not.toContain("made-up");

    const overview = await viewer.client.get(`/api/projects/${projectId}/deployments/overview?window=5m`);
    expect(overview.status).toBe(200);
    expect(overview.body).toEqual([
      expect.objectContaining({ name: "ghost-api", requests: 3, errorRate: 1, errors: { "4xx": 3, "5xx": 0 } }),
    ]);
    expect((await stranger.client.get(`/api/projects/${projectId}/deployments/overview`)).status).toBe(404);
  });
});
