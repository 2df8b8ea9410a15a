import { appendStream, cellOutputs } from "@tandem/notebook";
import { exportNbformat } from "@tandem/notebook/node";
import { type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { addCodeCell, cellSources, closeOf, connect, rawSocket, sourceOf, until, wsUrl } from "./collab-clients.ts";

let server: TestServer;
let owner: TestUser;
let editor: TestUser;
let stranger: TestUser;
let projectId: string;

usePreamble(
  {
    env: { TANDEM_COLLAB_MAX_MESSAGE_BYTES: String(256 * 1024), TANDEM_COLLAB_IDLE_UNLOAD_MS: "200" },
    users: ["owner", "editor", "stranger"],
    project: { members: { editor: "editor" } },
  },
  (p) => {
    ({
      server,
      projectId,
      users: { owner, editor, stranger },
    } = p);
  },
);

async function newNotebook(name = "nb"): Promise<string> {
  const res = await owner.client.post(`/api/projects/${projectId}/notebooks`, { name });
  expect(res.status).toBe(201);
  return res.body.id;
}

describe("sync server", () => {
  it("gives a new notebook an empty, valid document", async () => {
    const id = await newNotebook();
    const res = await owner.client.get(`/api/notebooks/${id}/ipynb`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] });
    const a = connect(server.url, id, { token: owner.token });
    await a.synced();
    expect(a.doc.getMap("meta").get("nbformat")).toBe(4);
    a.destroy();
  });

  it("makes two clients converge, and the server's copy with them", async () => {
    const id = await newNotebook();
    const a = connect(server.url, id, { token: owner.token });
    const b = connect(server.url, id, { token: editor.token });
    await Promise.all([a.synced(), b.synced()]);
    addCodeCell(a.doc, "cell-a", "print('a')");
    await until(() => cellSources(b.doc).length === 1, "b to see a's cell");
    // Concurrent edits of the same text from both sides.
    sourceOf(a.doc, 0).insert(0, "# from a\n");
    sourceOf(b.doc, 0).insert(sourceOf(b.doc, 0).length, "\n# from b");
    addCodeCell(b.doc, "cell-b", "x = 1");
    await until(
      () => cellSources(a.doc).join("|") === cellSources(b.doc).join("|") && cellSources(a.doc).length === 2,
      "a and b to converge",
    );
    expect(cellSources(a.doc)[0]).toBe("# from a\nprint('a')\n# from b");
    const exported = await owner.client.get(`/api/notebooks/${id}/ipynb`);
    expect(exported.body.cells.map((c: { source: string }) => c.source)).toEqual(cellSources(a.doc));
    a.destroy();
    b.destroy();
  });

  it("merges offline edits on reconnect without duplicating anything", async () => {
    const id = await newNotebook();
    const a = connect(server.url, id, { token: owner.token });
    const b = connect(server.url, id, { token: editor.token });
    await Promise.all([a.synced(), b.synced()]);
    addCodeCell(a.doc, "shared", "base");
    await until(() => cellSources(b.doc).length === 1, "b to see the cell");
    a.provider.disconnect();
    await until(() => !a.provider.wsconnected, "a to go offline");
    addCodeCell(a.doc, "offline-a", "written offline");
    sourceOf(a.doc, 0).insert(0, "A:");
    addCodeCell(b.doc, "online-b", "written online");
    sourceOf(b.doc, 0).insert(sourceOf(b.doc, 0).length, ":B");
    await until(() => cellSources(b.doc).length === 2, "b's edit to apply");
    a.provider.connect();
    await until(() => cellSources(a.doc).length === 3 && cellSources(b.doc).length === 3, "both to have three cells");
    await until(() => cellSources(a.doc).join() === cellSources(b.doc).join(), "convergence");
    expect(cellSources(a.doc)[0]).toBe("A:base:B");
    expect(new Set(cellSources(a.doc)).size).toBe(3);
    const exported = await owner.client.get(`/api/notebooks/${id}/ipynb`);
    expect(exported.body.cells.map((c: { id: string }) => c.id).sort()).toEqual(["offline-a", "online-b", "shared"]);
    a.destroy();
    b.destroy();
  });

  it("broadcasts edits made on the server's own document handle", async () => {
    const id = await newNotebook();
    const a = connect(server.url, id, { token: owner.token });
    await a.synced();
    addCodeCell(a.doc, "run-me", "print('hi')");
    const handle = await server.server!.collab.open(id);
    await until(() => handle.doc.getArray("cells").length === 1, "server doc to have the cell");
    appendStream(handle.doc, "run-me", "stdout", "hi\n");
    appendStream(handle.doc, "run-me", "stdout", "there\n");
    await handle.persisted();
    handle.release();
    await until(() => cellOutputs(a.doc, "run-me")[0]?.text === "hi\nthere\n", "client to see the output");
    expect(cellOutputs(a.doc, "run-me")).toEqual([{ output_type: "stream", name: "stdout", text: "hi\nthere\n" }]);
    expect(exportNbformat(a.doc).cells[0]!.outputs).toEqual(cellOutputs(a.doc, "run-me"));
    a.destroy();
  });

  it("carries awareness with the authenticated user's name", async () => {
    const id = await newNotebook();
    const a = connect(server.url, id, { token: owner.token });
    const b = connect(server.url, id, { token: editor.token });
    await Promise.all([a.synced(), b.synced()]);
    b.provider.awareness.setLocalState({
      user: { name: "Someone Else", color: "#123456" },
      cursor: { cellId: "c1", anchor: 3, head: 5 },
      selectedCell: "c1",
    });
    await until(() => a.provider.awareness.getStates().has(b.doc.clientID), "a to see b's presence");
    const state = a.provider.awareness.getStates().get(b.doc.clientID)!;
    expect(state.user).toMatchObject({ name: "editor", color: "#123456", readOnly: false });
    expect(state.cursor).toEqual({ cellId: "c1", anchor: 3, head: 5 });
    expect(state.selectedCell).toBe("c1");
    b.destroy();
    await until(() => !a.provider.awareness.getStates().has(b.doc.clientID), "b's presence to go when b leaves");
    a.destroy();
  });

  it("refuses connections without rights with clear close codes", async () => {
    const id = await newNotebook();
    const base = `${wsUrl(server)}/collab/${id}`;
    expect((await closeOf(base)).code).toBe(4401);
    expect(await closeOf(`${base}?token=tdm_nope`)).toMatchObject({
      code: 4401,
      reason: expect.stringMatching(/invalid/),
    });
    expect((await closeOf(`${base}?token=${stranger.token}`)).code).toBe(4404);
    expect(
      (await closeOf(`${wsUrl(server)}/collab/00000000-0000-4000-8000-000000000000?token=${owner.token}`)).code,
    ).toBe(4404);
    expect((await closeOf(`${wsUrl(server)}/collab/not-a-notebook?token=${owner.token}`)).code).toBe(4404);
  });

  it("closes a connection that sends bad input, leaving the room and everyone else untouched", async () => {
    const id = await newNotebook();
    const a = connect(server.url, id, { token: owner.token });
    await a.synced();
    addCodeCell(a.doc, "keep", "precious");
    await until(
      async () => (await owner.client.get(`/api/notebooks/${id}/ipynb`)).body.cells.length === 1,
      "cell stored",
    );

    const cases: [string, (ws: import("ws").WebSocket) => void, number][] = [
      ["a text frame", (ws) => ws.send("hello"), 4400],
      ["an unknown message type", (ws) => ws.send(Uint8Array.of(42, 0)), 4400],
      ["a truncated frame", (ws) => ws.send(Uint8Array.of(0, 2, 200)), 4400],
      ["a malformed update", (ws) => ws.send(Uint8Array.of(0, 2, 5, 9, 9, 9, 9, 9)), 4422],
      ["a malformed awareness update", (ws) => ws.send(Uint8Array.of(1, 3, 1, 1, 1)), 4400],
      ["an oversize frame", (ws) => ws.send(new Uint8Array(512 * 1024)), 1009],
    ];
    for (const [what, send, code] of cases) {
      const { ws, closed } = await rawSocket(server, id, owner.token);
      send(ws);
      expect((await closed).code, what).toBe(code);
    }
    // Everyone else is still there and editing works.
    expect(a.provider.wsconnected).toBe(true);
    sourceOf(a.doc, 0).insert(0, "still ");
    const b = connect(server.url, id, { token: editor.token });
    await b.synced();
    await until(() => cellSources(b.doc)[0] === "still precious", "b to see the intact document");
    a.destroy();
    b.destroy();
  });

  it("unloads idle rooms and reloads them from the database", async () => {
    const id = await newNotebook();
    const a = connect(server.url, id, { token: owner.token });
    await a.synced();
    addCodeCell(a.doc, "c", "persisted");
    await until(async () => (await owner.client.get(`/api/notebooks/${id}/ipynb`)).body.cells.length === 1, "stored");
    a.destroy();
    const collab = server.server!.collab;
    await until(() => collab.stats().rooms === 0, "the idle room to unload");
    const fresh = new Y.Doc();
    const b = connect(server.url, id, { token: owner.token, doc: fresh });
    await b.synced();
    expect(cellSources(fresh)).toEqual(["persisted"]);
    b.destroy();
  });
});
