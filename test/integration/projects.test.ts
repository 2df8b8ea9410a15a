import { createProject, createUser, type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { beforeAll, describe, expect, it } from "vitest";

let server: TestServer;
let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
let stranger: TestUser;
usePreamble({}, (p) => {
  ({ server } = p);
});
beforeAll(async () => {
  [owner, editor, viewer, stranger] = await Promise.all(
    ["owner", "editor", "viewer", "stranger"].map((n) => createUser(server.http, n)),
  );
});

describe("projects", () => {
  it("creates a project whose creator is its owner, and lists it for members only", async () => {
    const created = await owner.client.post("/api/projects", { name: "Churn" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), name: "Churn", role: "owner" });
    const mine = await owner.client.get("/api/projects");
    expect(mine.body.map((p: { id: string }) => p.id)).toContain(created.body.id);
    const theirs = await stranger.client.get("/api/projects");
    expect(theirs.body.map((p: { id: string }) => p.id)).not.toContain(created.body.id);
    // The admin sees every project.
    expect((await server.admin.get("/api/projects")).body.map((p: { id: string }) => p.id)).toContain(created.body.id);
  });

  it("gives each role what it may do, and hides a project from non-members", async () => {
    const id = await createProject(owner.client, [
      { user: editor, role: "editor" },
      { user: viewer, role: "viewer" },
    ]);
    expect((await viewer.client.get(`/api/projects/${id}`)).body.role).toBe("viewer");
    expect((await stranger.client.get(`/api/projects/${id}`)).status).toBe(404);

    const viewerRename = await viewer.client.patch(`/api/projects/${id}`, { name: "Mine now" });
    expect(viewerRename.status).toBe(403);
    expect(viewerRename.body.error.code).toBe("forbidden");
    expect((await editor.client.patch(`/api/projects/${id}`, { name: "Renamed" })).body.name).toBe("Renamed");
    expect((await editor.client.delete(`/api/projects/${id}`)).status).toBe(403);
    expect((await viewer.client.delete(`/api/projects/${id}`)).status).toBe(403);
    expect((await stranger.client.delete(`/api/projects/${id}`)).status).toBe(404);
    expect((await owner.client.get(`/api/projects/${id}`)).body.name).toBe("Renamed");

    expect((await owner.client.delete(`/api/projects/${id}`)).status).toBe(204);
    expect((await owner.client.get(`/api/projects/${id}`)).status).toBe(404);
  });

  it("validates ids and bodies", async () => {
    expect((await owner.client.get("/api/projects/not-a-uuid")).status).toBe(400);
    expect((await owner.client.get("/api/projects/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    const blank = await owner.client.post("/api/projects", { name: "   " });
    expect(blank.status).toBe(400);
    expect(blank.body.error.message).toMatch(/name/);
  });
});

describe("members and roles", () => {
  it("lets owners add, re-role and remove members; others cannot", async () => {
    const id = await createProject(owner.client);
    const added = await owner.client.post(`/api/projects/${id}/members`, { email: editor.email, role: "viewer" });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ userId: editor.id, role: "viewer", email: editor.email });
    expect(
      (await owner.client.post(`/api/projects/${id}/members`, { email: editor.email, role: "viewer" })).status,
    ).toBe(409);
    expect(
      (await owner.client.post(`/api/projects/${id}/members`, { email: "ghost@example.com", role: "viewer" })).status,
    ).toBe(404);

    // A viewer cannot add people or change roles.
    expect(
      (await editor.client.post(`/api/projects/${id}/members`, { email: viewer.email, role: "owner" })).status,
    ).toBe(403);
    expect((await editor.client.patch(`/api/projects/${id}/members/${editor.id}`, { role: "owner" })).status).toBe(403);

    const promoted = await owner.client.patch(`/api/projects/${id}/members/${editor.id}`, { role: "editor" });
    expect(promoted.body.role).toBe("editor");
    const members = await editor.client.get(`/api/projects/${id}/members`);
    expect(members.body.map((m: { userId: string; role: string }) => [m.userId, m.role]).sort()).toEqual(
      [
        [owner.id, "owner"],
        [editor.id, "editor"],
      ].sort(),
    );

    expect((await owner.client.delete(`/api/projects/${id}/members/${editor.id}`)).status).toBe(204);
    expect((await editor.client.get(`/api/projects/${id}`)).status).toBe(404);
  });

  it("always keeps one owner, and lets anyone leave", async () => {
    const id = await createProject(owner.client, [{ user: viewer, role: "viewer" }]);
    const demote = await owner.client.patch(`/api/projects/${id}/members/${owner.id}`, { role: "editor" });
    expect(demote.status).toBe(409);
    expect((await owner.client.delete(`/api/projects/${id}/members/${owner.id}`)).status).toBe(409);
    expect((await viewer.client.delete(`/api/projects/${id}/members/${viewer.id}`)).status).toBe(204);
    expect((await viewer.client.get(`/api/projects/${id}`)).status).toBe(404);
  });
});
