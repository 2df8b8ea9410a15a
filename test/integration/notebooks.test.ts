import { createProject, createUser, type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { beforeAll, describe, expect, it } from "vitest";

let server: TestServer;
let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
let stranger: TestUser;
let projectId: string;
usePreamble({}, (p) => {
  ({ server } = p);
});
beforeAll(async () => {
  [owner, editor, viewer, stranger] = await Promise.all(
    ["owner", "editor", "viewer", "stranger"].map((n) => createUser(server.http, n)),
  );
  projectId = await createProject(owner.client, [
    { user: editor, role: "editor" },
    { user: viewer, role: "viewer" },
  ]);
});

describe("notebooks", () => {
  it("are created, listed, read, renamed and deleted by editors", async () => {
    const created = await editor.client.post(`/api/projects/${projectId}/notebooks`, { name: "Exploration" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), name: "Exploration", projectId });
    const id = created.body.id;

    const list = await viewer.client.get(`/api/projects/${projectId}/notebooks`);
    expect(list.body.map((n: { id: string }) => n.id)).toContain(id);
    expect((await viewer.client.get(`/api/notebooks/${id}`)).body.name).toBe("Exploration");

    const renamed = await editor.client.patch(`/api/notebooks/${id}`, { name: "Training" });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe("Training");
    expect(Date.parse(renamed.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));

    expect((await editor.client.delete(`/api/notebooks/${id}`)).status).toBe(204);
    expect((await editor.client.get(`/api/notebooks/${id}`)).status).toBe(404);
  });

  it("cannot be changed by viewers, nor seen by strangers", async () => {
    const { body: nb } = await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "Private" });
    expect((await viewer.client.post(`/api/projects/${projectId}/notebooks`, { name: "x" })).status).toBe(403);
    expect((await viewer.client.patch(`/api/notebooks/${nb.id}`, { name: "x" })).status).toBe(403);
    expect((await viewer.client.delete(`/api/notebooks/${nb.id}`)).status).toBe(403);
    expect((await stranger.client.get(`/api/notebooks/${nb.id}`)).status).toBe(404);
    expect((await stranger.client.get(`/api/projects/${projectId}/notebooks`)).status).toBe(404);
    expect((await stranger.client.patch(`/api/notebooks/${nb.id}`, { name: "x" })).status).toBe(404);
    expect((await owner.client.get(`/api/notebooks/${nb.id}`)).body.name).toBe("Private");
  });

  it("go away with their project", async () => {
    const pid = await createProject(owner.client);
    const { body: nb } = await owner.client.post(`/api/projects/${pid}/notebooks`, { name: "Doomed" });
    await owner.client.delete(`/api/projects/${pid}`);
    expect((await owner.client.get(`/api/notebooks/${nb.id}`)).status).toBe(404);
  });

  it("answers 404 for unknown ids and 400 for bad ones", async () => {
    expect((await owner.client.get("/api/notebooks/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await owner.client.get("/api/notebooks/42")).status).toBe(400);
    expect((await owner.client.post(`/api/projects/${projectId}/notebooks`, { nom: "x" })).status).toBe(400);
  });
});
