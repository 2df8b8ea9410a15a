import { type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { addCodeCell, cellSources, connect, sourceOf, until } from "./collab-clients.ts";

let server: TestServer;
let owner: TestUser;
let projectId: string;

usePreamble({ users: ["owner"], project: {} }, (p) => {
  ({
    server,
    projectId,
    users: { owner },
  } = p);
});

const ipynb = (sources: string[]) => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: sources.map((source, i) => ({
    id: `new-${i}`,
    cell_type: "code",
    source,
    metadata: {},
    outputs: [],
    execution_count: null,
  })),
});

async function exportedSources(id: string): Promise<string[]> {
  const res = await owner.client.get(`/api/notebooks/${id}/ipynb`);
  expect(res.status).toBe(200);
  return res.body.cells.map((c: { source: string }) => c.source);
}

async function notebookWith(sources: string[]): Promise<string> {
  const res = await owner.client.post(`/api/projects/${projectId}/notebooks/import?name=epochs`, ipynb(sources));
  expect(res.status).toBe(201);
  return res.body.id;
}

describe("replacing a document (new epoch)", () => {
  it("tells clients holding the old history to reload instead of merging duplicates", async () => {
    const id = await notebookWith(["old 1", "old 2"]);
    const a = connect(server.url, id, { token: owner.token });
    const offline = connect(server.url, id, { token: owner.token });
    await Promise.all([a.synced(), offline.synced()]);
    offline.provider.disconnect();
    // Typed offline before the replace; must not come back after it.
    addCodeCell(offline.doc, "typed-offline", "offline edit");

    const replaced = await owner.client.put(`/api/notebooks/${id}/ipynb`, ipynb(["new 1", "new 2", "new 3"]));
    expect(replaced.status).toBe(200);
    expect(replaced.body.epoch).toBe(2);
    await until(() => a.closes.includes(4409), "the connected client to be told to reload");

    // 4409 is in y-websocket's "don't reconnect" range: the stock client stops and the app reloads.
    await until(() => !a.provider.shouldConnect, "the client to stop reconnecting");
    // A client that connects anyway with its old history (offline edits included) is refused.
    offline.provider.connect();
    await until(() => offline.closes.includes(4409), "the offline client to be refused");
    a.provider.connect();
    await until(() => a.closes.filter((c) => c === 4409).length >= 2, "the old client to be refused again");
    expect(await exportedSources(id)).toEqual(["new 1", "new 2", "new 3"]);
    a.destroy();
    offline.destroy();

    // A reloaded client (fresh doc) gets the new document and edits it normally.
    const fresh = connect(server.url, id, { token: owner.token });
    await fresh.synced();
    expect(cellSources(fresh.doc)).toEqual(["new 1", "new 2", "new 3"]);
    sourceOf(fresh.doc, 0).insert(0, "edited ");
    await until(async () => (await exportedSources(id))[0] === "edited new 1", "the edit to be stored");
    fresh.destroy();
  });

  it("refuses an invalid replacement and keeps the document", async () => {
    const id = await notebookWith(["keep me"]);
    const res = await owner.client.put(`/api/notebooks/${id}/ipynb`, {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [{ cell_type: "code" }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/cells\[0\]/);
    expect(await exportedSources(id)).toEqual(["keep me"]);
  });
});

describe("versions", () => {
  it("saves, lists, shows and restores named versions", async () => {
    const id = await notebookWith(["v1"]);
    const a = connect(server.url, id, { token: owner.token });
    await a.synced();
    const saved = await owner.client.post(`/api/notebooks/${id}/versions`, { name: "first draft" });
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({ name: "first draft", notebookId: id, epoch: 1 });

    sourceOf(a.doc, 0).insert(2, " then more");
    addCodeCell(a.doc, "added", "second cell");
    await until(async () => (await exportedSources(id)).length === 2, "edits stored");
    const second = await owner.client.post(`/api/notebooks/${id}/versions`, { name: "second" });
    expect(second.status).toBe(201);

    const list = await owner.client.get(`/api/notebooks/${id}/versions`);
    expect(list.body.map((v: { name: string }) => v.name).sort()).toEqual(["first draft", "second"]);

    const shown = await owner.client.get(`/api/notebooks/${id}/versions/${saved.body.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.notebook.cells.map((c: { source: string }) => c.source)).toEqual(["v1"]);

    const restored = await owner.client.post(`/api/notebooks/${id}/versions/${saved.body.id}/restore`, {});
    expect(restored.status).toBe(200);
    expect(restored.body.epoch).toBe(2);
    await until(() => a.closes.includes(4409), "the client to be told to reload");
    expect(await exportedSources(id)).toEqual(["v1"]);
    a.destroy();

    const fresh = connect(server.url, id, { token: owner.token, doc: new Y.Doc() });
    await fresh.synced();
    expect(cellSources(fresh.doc)).toEqual(["v1"]);
    fresh.destroy();
    expect((await owner.client.get(`/api/notebooks/${id}/versions/00000000-0000-4000-8000-000000000000`)).status).toBe(
      404,
    );
  });
});
