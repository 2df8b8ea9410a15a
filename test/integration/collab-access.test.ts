import { type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { describe, expect, it } from "vitest";
import { addCodeCell, cellSources, closeOf, connect, sourceOf, until, wsUrl } from "./collab-clients.ts";

let server: TestServer;
let owner: TestUser;
let viewer: TestUser;
let projectId: string;

// The server's clock: a test moves it up to an expiry instead of waiting for one.
let skew = 0;
const clock = () => new Date(Date.now() + skew);

usePreamble({ clock, users: ["owner", "viewer"], project: { members: { viewer: "viewer" } } }, (p) => {
  ({
    server,
    projectId,
    users: { owner, viewer },
  } = p);
});

/** A notebook with one cell, "original", in the database. */
async function notebookWithCell(): Promise<string> {
  const res = await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "nb" });
  const id = res.body.id as string;
  const a = connect(server.url, id, { token: owner.token });
  await a.synced();
  addCodeCell(a.doc, "c1", "original");
  await until(async () => (await exportOf(id)).cells.length === 1, "the cell to be stored");
  a.destroy();
  return id;
}

async function exportOf(id: string) {
  const res = await owner.client.get(`/api/notebooks/${id}/ipynb`);
  expect(res.status).toBe(200);
  return res.body as { cells: { source: string }[] };
}

/** Makes a read-only client try to write, and checks nothing reached the editor or the store. */
async function expectCannotWrite(id: string, options: { token?: string; share?: string }) {
  const editor = connect(server.url, id, { token: owner.token });
  const reader = connect(server.url, id, options);
  await Promise.all([editor.synced(), reader.synced()]);
  expect(cellSources(reader.doc)).toEqual(["original"]);
  sourceOf(reader.doc, 0).insert(0, "HACKED ");
  addCodeCell(reader.doc, "evil", "rm -rf /");
  // Frames of one socket are handled in order: once the editor sees this presence, the server
  // has handled (and refused) the reader's edits sent before it.
  reader.provider.awareness.setLocalStateField("probe", 1);
  await until(() => editor.provider.awareness.getStates().get(reader.doc.clientID)?.probe === 1, "the reader's probe");
  sourceOf(editor.doc, 0).insert(sourceOf(editor.doc, 0).length, "!");
  await until(() => sourceOf(reader.doc, 0).toString().endsWith("!"), "the reader to receive the editor's edit");
  const marker = connect(server.url, id, { token: owner.token });
  await marker.synced();
  expect(cellSources(editor.doc)).toEqual(["original!"]);
  expect(cellSources(marker.doc)).toEqual(["original!"]);
  expect((await exportOf(id)).cells.map((c) => c.source)).toEqual(["original!"]);
  // The reader still receives everything (and stays connected).
  expect(reader.provider.wsconnected).toBe(true);
  editor.destroy();
  reader.destroy();
  marker.destroy();
}

describe("read-only access", () => {
  it("lets a viewer receive the document and awareness, but never write", async () => {
    const id = await notebookWithCell();
    await expectCannotWrite(id, { token: viewer.token });
  });

  it("viewer presence is visible and marked read-only", async () => {
    const id = await notebookWithCell();
    const editor = connect(server.url, id, { token: owner.token });
    const reader = connect(server.url, id, { token: viewer.token });
    await Promise.all([editor.synced(), reader.synced()]);
    reader.provider.awareness.setLocalStateField("selectedCell", "c1");
    await until(() => editor.provider.awareness.getStates().has(reader.doc.clientID), "the viewer's presence");
    expect(editor.provider.awareness.getStates().get(reader.doc.clientID)).toMatchObject({
      selectedCell: "c1",
      user: { name: "viewer", readOnly: true },
    });
    editor.destroy();
    reader.destroy();
  });
});

describe("share links", () => {
  it("creates a read-only link that cannot write, lists it, and revoking it closes its sockets at once", async () => {
    const id = await notebookWithCell();
    const created = await owner.client.post(`/api/notebooks/${id}/share-links`, {});
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ notebookId: id, expiresAt: null, revokedAt: null });
    expect(created.body.url).toBe(`${server.url}/s/${created.body.token}`);
    const token = created.body.token as string;
    // The short link lands on the notebook's read-only page.
    const landing = await server.http.get(`/s/${token}`);
    expect(landing.status).toBe(302);
    expect(landing.headers.get("location")).toBe(`/share/${id}?token=${token}`);

    await expectCannotWrite(id, { share: token });
    // The share token also works as `?token=`, as Jupyter-style links have it.
    const viaToken = connect(server.url, id, { share: undefined, token });
    await viaToken.synced();
    viaToken.destroy();

    const listed = await owner.client.get(`/api/notebooks/${id}/share-links`);
    expect(listed.body.map((l: { id: string }) => l.id)).toEqual([created.body.id]);
    expect(JSON.stringify(listed.body)).not.toContain(token);
    // Viewers may not manage links.
    expect((await viewer.client.post(`/api/notebooks/${id}/share-links`, {})).status).toBe(403);

    const guest = connect(server.url, id, { share: token });
    await guest.synced();
    const revoked = await owner.client.delete(`/api/notebooks/${id}/share-links/${created.body.id}`);
    expect(revoked.status).toBe(204);
    await until(() => guest.closes.includes(4403), "the guest's socket to close with 4403");
    guest.destroy();
    expect((await closeOf(`${wsUrl(server)}/collab/${id}?share=${token}`)).code).toBe(4403);
    const after = await owner.client.get(`/api/notebooks/${id}/share-links`);
    expect(after.body[0].revokedAt).not.toBeNull();
    expect((await server.http.get(`/s/${token}`)).status).toBe(404);
  });

  it("refuses expired links, links of another notebook, and past expiry dates", async () => {
    const id = await notebookWithCell();
    const other = await notebookWithCell();
    const past = await owner.client.post(`/api/notebooks/${id}/share-links`, {
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    expect(past.status).toBe(400);
    const hour = 60 * 60_000;
    const soon = await owner.client.post(`/api/notebooks/${id}/share-links`, {
      expiresAt: new Date(clock().getTime() + hour).toISOString(),
    });
    expect(soon.status).toBe(201);
    expect((await closeOf(`${wsUrl(server)}/collab/${other}?share=${soon.body.token}`)).code).toBe(4403);
    try {
      // Half a second before the expiry on the server's clock: the guest is closed when the link expires
      // (or, on a machine too slow to connect in that time, refused: 4403 either way).
      skew = hour - 500;
      const guest = connect(server.url, id, { share: soon.body.token });
      await until(() => guest.closes.includes(4403), "the link to expire");
      guest.destroy();
      // Afterwards it is refused.
      skew = hour + 1000;
      expect((await closeOf(`${wsUrl(server)}/collab/${id}?share=${soon.body.token}`)).code).toBe(4403);
    } finally {
      skew = 0;
    }
  });
});

describe("deletion", () => {
  it("closes the room of a deleted notebook", async () => {
    const id = await notebookWithCell();
    const a = connect(server.url, id, { token: owner.token });
    await a.synced();
    expect((await owner.client.delete(`/api/notebooks/${id}`)).status).toBe(204);
    await until(() => a.closes.includes(4410), "the socket to close with 4410");
    a.destroy();
    expect((await closeOf(`${wsUrl(server)}/collab/${id}?token=${owner.token}`)).code).toBe(4404);
  });
});
