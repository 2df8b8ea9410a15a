import { randomUUID } from "node:crypto";
import {
  createUser,
  HttpClient,
  type Kernelspecs,
  startTestServer,
  type TestServer,
  type TestUser,
  usePreamble,
} from "@tandem/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { addCodeCell, cellSources, connect, sourceOf, until } from "./collab-clients.ts";
import { kernelChannel } from "./kernel-channel.ts";

let server: TestServer;
let specs: Kernelspecs;
let owner: TestUser;
let editor: TestUser;
let projectId: string;
let notebookId: string;
let kernelId: string;
// The server's clock: tests move it to reach expiries (sessions, tokens) instead of waiting; only
// forward, since kernel-token renewal counts from the last time it ran.
let now = new Date();
const MINUTE = 60_000;

usePreamble(
  { kernels: true, clock: () => now, users: ["owner", "editor"], project: { members: { editor: "editor" } } },
  (p) => {
    ({
      server,
      specs,
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
async function channel(auth: { token?: string; cookie?: string }, kernel = kernelId) {
  const query = auth.token ? `?token=${encodeURIComponent(auth.token)}` : "";
  const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/api/kernels/${kernel}/channels${query}`, {
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

  it("promoting a viewer to editor makes their open sockets writable and able to execute at once", async () => {
    const promoted = await createUser(server.http, "promoted");
    await owner.client.post(`/api/projects/${projectId}/members`, { email: promoted.email, role: "viewer" });
    const client = connect(server.url, notebookId, { token: promoted.token });
    await client.synced();
    const kernel = await channel({ token: promoted.token });
    const dropped = kernel.execute("viewer_ran = 1");
    const patched = await owner.client.patch(`/api/projects/${projectId}/members/${promoted.id}`, { role: "editor" });
    expect(patched.status).toBe(200);
    // The same sockets, no reconnect: the edit is stored and the code runs.
    sourceOf(client.doc, 0).insert(0, "promoted-edit ");
    await until(async () => (await exportSources())[0]!.startsWith("promoted-edit"), "the promoted edit to be stored");
    const ran = kernel.execute("promoted_ran = 1");
    await until(() => kernel.replies.has(ran), "the promoted execute to be answered");
    expect(kernel.replies.has(dropped)).toBe(false);
    expect(await kernelHas("promoted_ran")).toBe(true);
    expect(await kernelHas("viewer_ran")).toBe(false);
    expect(client.closes).toEqual([]);
    client.destroy();
    kernel.ws.close();
  });

  it("sockets close (4401) when their token or session expires by the server's clock", async () => {
    const start = now.getTime();
    const expiring = await server.http.post(
      "/api/tokens",
      { name: "ten minutes", expiresAt: new Date(start + 10 * MINUTE).toISOString() },
      { cookie: editor.cookie },
    );
    expect(expiring.status).toBe(201);
    const c = await editorConnections({ token: expiring.body.token }, "exp");
    const login = await server.http.post("/api/auth/login", { email: editor.email, password: "correct horse battery" });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    const sessionChannel = await channel({ cookie });
    // Before its expiry, the token's sockets stay open.
    now = new Date(start + 9 * MINUTE);
    const stillOk = c.kernel.execute("exp_still = 1");
    await until(() => c.kernel.replies.has(stillOk), "an execute before the expiry");
    now = new Date(start + 11 * MINUTE);
    expect(await c.kernel.closed).toBe(4401);
    await until(() => c.client.closes.includes(4401), "the collab socket to close with 4401");
    await expectCutOff(c, "exp");
    // Sessions last days; the one opened here closes when the clock passes its end.
    expect(sessionChannel.ws.readyState).toBe(WebSocket.OPEN);
    now = new Date(start + 40 * 24 * 60 * MINUTE);
    expect(await sessionChannel.closed).toBe(4401);
  });
});

describe("kernel tokens expire without renewal (item 5)", () => {
  it("a kernel token whose renewal did not come in time is refused with 401, and a renewal does not revive it", async () => {
    const start = now.getTime();
    const kernelToken = async (id: string) => {
      const channelOf = await channel({ token: owner.token }, id);
      const msgId = channelOf.execute("import os; print(os.environ['TANDEM_API_TOKEN'])");
      await until(() => channelOf.replies.has(msgId), "the kernel's token");
      channelOf.ws.close();
      const listed = (await owner.client.get("/api/tokens?kind=kernel")).body as { name: string; expiresAt: string }[];
      return listed.find((t) => t.name.startsWith(`kernel ${id}`))!;
    };
    // Two notebooks' kernels: one started now, one four minutes later (no renewal is due before five).
    const nb = async (name: string) =>
      (await owner.client.post(`/api/projects/${projectId}/notebooks`, { name })).body.id;
    const [first, second] = [await nb("first"), await nb("second")];
    const a = (await owner.client.post(`/api/notebooks/${first}/kernel`, {})).body.kernel.id as string;
    now = new Date(start + 4 * MINUTE);
    const b = (await owner.client.post(`/api/notebooks/${second}/kernel`, {})).body.kernel.id as string;
    expect(new Date((await kernelToken(a)).expiresAt).getTime()).toBe(start + 15 * MINUTE);
    expect(new Date((await kernelToken(b)).expiresAt).getTime()).toBe(start + 19 * MINUTE);
    const secretOf = async (id: string) => {
      const probe = await channel({ token: owner.token }, id);
      const out = await new Promise<string>((resolve) => {
        probe.ws.on("message", (data) => {
          const msg = JSON.parse(data.toString());
          if (msg.msg_type === "stream") resolve(msg.content.text.trim());
        });
        probe.execute("import os; print(os.environ['TANDEM_API_TOKEN'])");
      });
      probe.ws.close();
      return out;
    };
    const [tokenA, tokenB] = [await secretOf(a), await secretOf(b)];
    expect((await server.http.as({ token: tokenA }).get(`/api/projects/${projectId}`)).status).toBe(200);

    // The clock passes A's expiry with no renewal in between (a stalled server): A's token is refused.
    now = new Date(start + 16 * MINUTE);
    expect((await server.http.as({ token: tokenA }).get(`/api/projects/${projectId}`)).status).toBe(401);
    // The renewal that then runs extends B, still valid, and leaves A expired.
    await until(
      async () => new Date((await kernelToken(b)).expiresAt).getTime() === start + 31 * MINUTE,
      "the renewal of the token still valid",
    );
    expect(new Date((await kernelToken(a)).expiresAt).getTime()).toBe(start + 15 * MINUTE);
    expect((await server.http.as({ token: tokenA }).get(`/api/projects/${projectId}`)).status).toBe(401);
    expect((await server.http.as({ token: tokenB }).get(`/api/projects/${projectId}`)).status).toBe(200);
    await owner.client.delete(`/api/notebooks/${first}/kernel`);
    await owner.client.delete(`/api/notebooks/${second}/kernel`);
  });
});

describe("revocation on one server reaches another sharing the database", () => {
  it("deleting a token or a share link through server A closes their sockets open on server B", async () => {
    const other = await startTestServer({ env: specs.env, database: server.database, clock: () => now });
    try {
      // (By now the clock is past the editor's sign-in session: their unscoped token makes the new one.)
      const extra = await editor.client.post("/api/tokens", { name: "second server" });
      expect(extra.status).toBe(201);
      const token = extra.body.token as string;
      const onB = new HttpClient(other.url, { token });
      const nb = (await onB.post(`/api/projects/${projectId}/notebooks`, { name: "on b" })).body.id;
      const client = connect(other.url, nb, { token });
      await client.synced();
      const started = await onB.post("/api/kernels", { name: "python3" });
      expect(started.status).toBe(201);
      const kernel = await kernelChannel(other.url, started.body.id, token);
      expect(await kernel.run("print('b ok')")).toBe("b ok\n");
      // Revoked through A: B hears of it from the database's NOTIFY and closes what it holds.
      expect((await editor.client.delete(`/api/tokens/${extra.body.id}`)).status).toBe(204);
      expect(await kernel.closed).toBe(4401);
      await until(() => client.closes.includes(4401), "B's collab socket to close with 4401");
      client.destroy();

      // A share link revoked through A closes its guest's socket on B (4403).
      const link = await owner.client.post(`/api/notebooks/${nb}/share-links`, {});
      expect(link.status).toBe(201);
      const guest = connect(other.url, nb, { share: link.body.token });
      await guest.synced();
      expect((await owner.client.delete(`/api/notebooks/${nb}/share-links/${link.body.id}`)).status).toBe(204);
      await until(() => guest.closes.includes(4403), "B's guest socket to close with 4403");
      guest.destroy();
    } finally {
      await other.close();
    }
  });
});
