import { randomUUID } from "node:crypto";
import { type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { addCodeCell, cellSources, connect, sourceOf, until } from "./collab-clients.ts";

let server: TestServer;
let owner: TestUser;
let editor: TestUser;
let projectId: string;
let notebookId: string;
let kernelId: string;

usePreamble(
  { kernels: true, users: ["owner", "editor"], project: { members: { editor: "editor" } } },
  (p) => {
    ({
      server,
      projectId,
      users: { owner, editor },
    } = p);
  },
  120_000,
);
beforeAll(async () => {
  notebookId = (await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "nb" })).body.id;
  const seed = connect(server.url, notebookId, { token: owner.token });
  await seed.synced();
  addCodeCell(seed.doc, "c1", "original");
  await until(async () => (await exportSources()).length === 1, "the cell to be stored");
  seed.destroy();
  const started = await owner.client.post(`/api/notebooks/${notebookId}/kernel`, {});
  expect(started.status).toBe(201);
  kernelId = started.body.kernel.id;
}, 120_000);

async function exportSources(): Promise<string[]> {
  const res = await owner.client.get(`/api/notebooks/${notebookId}/ipynb`);
  return (res.body.cells as { source: string }[]).map((c) => c.source);
}

/** A raw Jupyter kernel channel socket, with the close it ends with and the replies it got. */
async function channel(auth: { token?: string; cookie?: string }) {
  const query = auth.token ? `?token=${encodeURIComponent(auth.token)}` : "";
  const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/api/kernels/${kernelId}/channels${query}`, {
    headers: auth.cookie ? { cookie: auth.cookie } : {},
  });
  const replies = new Map<string, any>();
  ws.on("message", (data) => {
    const msg = JSON.parse(data.toString());
    if (msg.msg_type === "execute_reply") replies.set(msg.parent_header.msg_id, msg);
  });
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const execute = (code: string) => {
    const msgId = randomUUID();
    ws.send(
      JSON.stringify({
        channel: "shell",
        header: { msg_id: msgId, msg_type: "execute_request", session: randomUUID(), username: "", version: "5.3" },
        parent_header: {},
        metadata: {},
        content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false },
      }),
    );
    return msgId;
  };
  return { ws, replies, closed, execute };
}

/** Whether the editor's code ran: the owner asks the kernel (over REST) for the variable it set. */
async function kernelHas(variable: string): Promise<boolean> {
  const probe = await channel({ token: owner.token });
  const id = probe.execute(`assert '${variable}' in globals()`);
  await until(() => probe.replies.has(id), "the probe's reply");
  probe.ws.close();
  return probe.replies.get(id).content.status === "ok";
}

/** Opens a collab client and a kernel channel as the editor, and checks both work. */
async function editorConnections(auth: { token?: string; cookie?: string }, tag: string) {
  const client = connect(server.url, notebookId, auth.token ? { token: auth.token } : {});
  if (auth.cookie) throw new Error("cookie collab clients are opened by cookieClient");
  await client.synced();
  sourceOf(client.doc, 0).insert(0, `${tag}-ok `);
  await until(async () => (await exportSources())[0]!.startsWith(`${tag}-ok`), "the editor's edit to be stored");
  const kernel = await channel(auth);
  const ran = kernel.execute(`${tag}_ok = 1`);
  await until(() => kernel.replies.has(ran), "the editor's execute to be answered");
  return { client, kernel };
}

/** After a revocation: edits and executes from the old connections reach nothing. */
async function expectCutOff(c: Awaited<ReturnType<typeof editorConnections>>, tag: string) {
  sourceOf(c.client.doc, 0).insert(0, `${tag}-HACKED `);
  try {
    c.kernel.execute(`${tag}_hacked = 1`);
  } catch {
    // already closed
  }
  const ownerClient = connect(server.url, notebookId, { token: owner.token });
  await ownerClient.synced();
  if (c.client.provider.wsconnected) {
    // Frames of one socket are handled in order: once the owner sees this presence, the edit was handled.
    c.client.provider.awareness.setLocalStateField("probe", tag);
    await until(
      () => (ownerClient.provider.awareness.getStates().get(c.client.doc.clientID) as any)?.probe === tag,
      "the editor's probe",
    );
  }
  expect(cellSources(ownerClient.doc)[0]).not.toContain("HACKED");
  ownerClient.destroy();
  expect((await exportSources())[0]).not.toContain("HACKED");
  expect(await kernelHas(`${tag}_ok`)).toBe(true);
  expect(await kernelHas(`${tag}_hacked`)).toBe(false);
  c.client.destroy();
}

describe("revocation reaches open connections (item 1)", () => {
  it("deleting the token closes its collab socket (4401) and kernel channel at once", async () => {
    const extra = await server.http.post("/api/tokens", { name: "laptop" }, { cookie: editor.cookie });
    const c = await editorConnections({ token: extra.body.token }, "tok");
    expect((await editor.client.delete(`/api/tokens/${extra.body.id}`)).status).toBe(204);
    expect(await c.kernel.closed).toBe(4401);
    await until(() => c.client.closes.includes(4401), "the collab socket to close with 4401");
    await expectCutOff(c, "tok");
  });

  it("removing the member closes their sockets (4403)", async () => {
    const c = await editorConnections({ token: editor.token }, "rm");
    expect((await owner.client.delete(`/api/projects/${projectId}/members/${editor.id}`)).status).toBe(204);
    expect(await c.kernel.closed).toBe(4403);
    await until(() => c.client.closes.includes(4403), "the collab socket to close with 4403");
    await expectCutOff(c, "rm");
    await owner.client.post(`/api/projects/${projectId}/members`, { email: editor.email, role: "editor" });
  });

  it("downgrading to viewer makes the open sockets read-only and watch-only", async () => {
    const c = await editorConnections({ token: editor.token }, "down");
    const patched = await owner.client.patch(`/api/projects/${projectId}/members/${editor.id}`, { role: "viewer" });
    expect(patched.status).toBe(200);
    // Still connected, now as a viewer: edits are refused, executes are dropped.
    await expectCutOff(c, "down");
    expect(c.kernel.ws.readyState).toBe(WebSocket.OPEN);
    c.kernel.ws.close();
    await owner.client.patch(`/api/projects/${projectId}/members/${editor.id}`, { role: "editor" });
  });

  it("signing out closes the session's sockets", async () => {
    const login = await server.http.post("/api/auth/login", { email: editor.email, password: "correct horse battery" });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    const kernel = await channel({ cookie });
    const ran = kernel.execute("session_ok = 1");
    await until(() => kernel.replies.has(ran), "the session's execute");
    expect((await server.http.post("/api/auth/logout", {}, { cookie })).status).toBe(204);
    expect(await kernel.closed).toBe(4401);
  });
});
