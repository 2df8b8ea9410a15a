import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createProject,
  createTestDatabase,
  createUser,
  pythonKernelspecs,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeOf, until } from "./collab-clients.ts";
import { kernelChannel } from "./kernel-channel.ts";

const MINUTE = 60_000;
let specs: Awaited<ReturnType<typeof pythonKernelspecs>>;

beforeAll(async () => {
  specs = await pythonKernelspecs();
});
afterAll(() => specs?.remove());

/** A project with an owner and an editor, a notebook, and the notebook's kernel started by the owner. */
async function setUp(server: TestServer) {
  const owner = await createUser(server.http, "owner");
  const editor = await createUser(server.http, "editor");
  const projectId = await createProject(owner.client, [{ user: editor, role: "editor" }]);
  const notebookId = (await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "nb" })).body.id;
  const started = await owner.client.post(`/api/notebooks/${notebookId}/kernel`, {});
  expect(started.status).toBe(201);
  return { owner, editor, projectId, notebookId, kernelId: started.body.kernel.id as string };
}

/** What an editor running a cell on the shared kernel reads: its API and MLflow tokens. */
async function stealTokens(server: TestServer, kernelId: string, editor: TestUser) {
  const channel = await kernelChannel(server.url, kernelId, editor.token);
  const out = await channel.run(
    "import os, json; print(json.dumps([os.environ['TANDEM_API_TOKEN'], os.environ['MLFLOW_TRACKING_TOKEN']]))",
  );
  channel.close();
  return JSON.parse(out) as [string, string];
}

describe("a kernel's token (items 3, 4, 5)", () => {
  let server: TestServer;
  let now = new Date("2026-06-01T12:00:00Z");

  beforeAll(async () => {
    server = await startTestServer({ env: specs.env, clock: () => now });
  });
  afterAll(() => server?.close());

  it("cannot add members, make its holder owner, share, change settings or manage tokens", async () => {
    const { owner, editor, projectId, notebookId, kernelId } = await setUp(server);
    const outsider = await createUser(server.http, "outsider");
    const [apiToken, mlflowToken] = await stealTokens(server, kernelId, editor);
    for (const token of [apiToken, mlflowToken]) {
      const as = server.http.as({ token });
      // What notebook code needs still works.
      expect((await as.get(`/api/projects/${projectId}`)).status).toBe(200);
      expect((await as.get(`/api/notebooks/${notebookId}/ipynb`)).status).toBe(200);
      const search = await as.post("/api/2.0/mlflow/experiments/search", { max_results: 5 });
      expect(search.status).toBe(200);
      // Membership, roles, sharing, settings: refused.
      const add = await as.post(`/api/projects/${projectId}/members`, { email: outsider.email, role: "owner" });
      expect(add.status).toBe(403);
      expect(add.body.error.code).toBe("forbidden");
      expect((await as.patch(`/api/projects/${projectId}/members/${editor.id}`, { role: "owner" })).status).toBe(403);
      expect((await as.post(`/api/notebooks/${notebookId}/share-links`, {})).status).toBe(403);
      expect((await as.patch(`/api/projects/${projectId}`, { name: "mine now" })).status).toBe(403);
      expect((await as.delete(`/api/projects/${projectId}`)).status).toBe(403);
      // Item 4: a scoped token neither lists nor revokes its user's tokens.
      expect((await as.get("/api/tokens")).status).toBe(403);
      const ownerTokens = (await owner.client.get("/api/tokens")).body as { id: string; name: string }[];
      const personal = ownerTokens.find((t) => t.name === "test")!;
      expect((await as.delete(`/api/tokens/${personal.id}`)).status).toBe(403);
      expect((await as.post("/api/tokens", { name: "wider" })).status).toBe(403);
      // Nor does it join the live document.
      const ws = await closeOf(`${server.url.replace(/^http/, "ws")}/collab/${notebookId}?token=${token}`);
      expect(ws.code).toBe(4403);
    }
    const members = (await owner.client.get(`/api/projects/${projectId}/members`)).body as {
      email: string;
      role: string;
    }[];
    expect(members.find((m) => m.email === editor.email)?.role).toBe("editor");
    expect(members.some((m) => m.email === outsider.email)).toBe(false);
    expect((await owner.client.get("/api/tokens")).body.some((t: { name: string }) => t.name === "test")).toBe(true);
    await owner.client.delete(`/api/notebooks/${notebookId}/kernel`);
  });

  it("expires unless renewed, is renewed while the kernel lives, and dies with the kernel", async () => {
    const { owner, editor, projectId, notebookId, kernelId } = await setUp(server);
    const [apiToken] = await stealTokens(server, kernelId, editor);
    const as = server.http.as({ token: apiToken });
    const kernelToken = async () =>
      ((await owner.client.get("/api/tokens?kind=kernel")).body as { name: string; expiresAt: string | null }[]).find(
        (t) => t.name.startsWith(`kernel ${kernelId}`),
      )!;
    const start = now.getTime();
    expect(new Date((await kernelToken()).expiresAt!).getTime()).toBe(start + 15 * MINUTE);
    // A person's token list (the tokens page) holds their own tokens; kernels' are listed apart.
    const own = (await owner.client.get("/api/tokens")).body as { name: string }[];
    expect(own.map((t) => t.name)).toEqual(["test"]);

    now = new Date(start + 6 * MINUTE);
    await until(
      async () => new Date((await kernelToken()).expiresAt!).getTime() === start + 21 * MINUTE,
      "the renewal",
    );
    // Past the first expiry, still valid: the kernel lives.
    now = new Date(start + 20 * MINUTE);
    expect((await as.get(`/api/projects/${projectId}`)).status).toBe(200);
    await until(
      async () => new Date((await kernelToken()).expiresAt!).getTime() === start + 35 * MINUTE,
      "the next renewal",
    );
    // Once the clock passes an expiry that was not renewed, it stops working.
    now = new Date(start + 36 * MINUTE);
    expect((await as.get(`/api/projects/${projectId}`)).status).toBe(401);
    now = new Date(start + 20 * MINUTE);
    expect((await as.get(`/api/projects/${projectId}`)).status).toBe(200);
    await owner.client.delete(`/api/notebooks/${notebookId}/kernel`);
    expect((await as.get(`/api/projects/${projectId}`)).status).toBe(401);
  });
});

describe("after a crash (item 5)", () => {
  it("the previous process's kernel tokens are revoked at start-up", async () => {
    const database = await createTestDatabase();
    const dataDir = await mkdtemp(join(tmpdir(), "tandem-crash-"));
    const first = await startTestServer({ env: specs.env, process: true, database, dataDir });
    const { editor, projectId, kernelId } = await setUp(first);
    const [apiToken, mlflowToken] = await stealTokens(first, kernelId, editor);
    await first.kill("SIGKILL");
    const second = await startTestServer({ env: specs.env, process: true, database, dataDir });
    try {
      for (const token of [apiToken, mlflowToken]) {
        expect((await second.http.get(`/api/projects/${projectId}`, { token })).status).toBe(401);
      }
      // Personal tokens are untouched.
      expect((await second.http.get(`/api/projects/${projectId}`, { token: editor.token })).status).toBe(200);
    } finally {
      await second.close();
      await first.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
