import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  createProject,
  createUser,
  pythonKernelspecs,
  repoRoot,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addCodeCell, connect, until } from "./collab-clients.ts";

let server: TestServer;
let specs: Awaited<ReturnType<typeof pythonKernelspecs>>;
let owner: TestUser;
let viewer: TestUser;
let projectId: string;
let nb: string;
let gate: string;

beforeAll(async () => {
  specs = await pythonKernelspecs();
  gate = await mkdtemp(join(tmpdir(), "tandem-gate-"));
  // The sandboxed kernel (nobody, under a root server) watches for the test's file in this dir.
  await chmod(gate, 0o755);
  server = await startTestServer({ env: { ...specs.env, TANDEM_KERNEL_READ_PATHS: gate } });
  owner = await createUser(server.http, "owner");
  viewer = await createUser(server.http, "viewer");
  projectId = await createProject(owner.client, [{ user: viewer, role: "viewer" }]);
  nb = (await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "assist" })).body.id;
  const writer = connect(server.url, nb, { token: owner.token });
  await writer.synced();
  addCodeCell(writer.doc, "imports", "import os, json");
  addCodeCell(
    writer.doc,
    "wait",
    `import time\nwhile not os.path.exists(${JSON.stringify(join(gate, "go"))}): time.sleep(0.02)`,
  );
  expect((await owner.client.post(`/api/notebooks/${nb}/execute`, { cells: ["imports"] })).status).toBe(202);
  await until(
    async () => {
      const s = (await owner.client.get(`/api/notebooks/${nb}/kernel`)).body;
      return s.kernel?.execution_state === "idle" && s.running === null && s.queued.length === 0;
    },
    "kernel idle",
    60_000,
  );
  writer.destroy();
  // A new project's kernel home has no jedi cache yet: its first completion on a builtin type parses
  // the builtins' stubs (seconds), the later ones are quick. Paid here, not inside a test's timeout.
  await until(
    async () => ((await complete("''.up", 5)).body.matches ?? []).includes("upper"),
    "jedi's first parse of the builtins",
    60_000,
  );
}, 120_000);
afterAll(async () => {
  await server?.close();
  await specs?.remove();
  if (gate) await rm(gate, { recursive: true, force: true });
});

const complete = (code: string, cursorPos: number, who = owner, id = nb) =>
  who.client.post(`/api/notebooks/${id}/complete`, { code, cursorPos });

describe("completion and help from the notebook's kernel", () => {
  it("completes os.pa with path, with the kernel's types", async () => {
    const res = await complete("os.pa", 5);
    expect(res.status).toBe(200);
    expect(res.body.busy).toBe(false);
    expect(res.body.matches).toContain("path");
    expect(res.body.cursorStart).toBe(3);
    expect(res.body.cursorEnd).toBe(5);
    // IPython gives up on a type after 400 ms (jedi_compute_type_timeout) and says "<unknown>".
    expect(["module", "<unknown>"]).toContain(res.body.types.find((t: { text: string }) => t.text === "path")?.type);
  });

  it("counts positions in code points, as Jupyter does", async () => {
    // '😀' is two UTF-16 units but one code point.
    const res = await complete("'😀'.up", 6);
    expect(res.status).toBe(200);
    expect(res.body.matches).toContain("upper");
    expect(res.body.cursorStart).toBe(4);
    const past = await complete("'😀'.up", 7);
    expect(past.status).toBe(400);
    expect(past.body.error.code).toBe("bad_request");
    expect(past.body.error.message).toContain("past the end");
  });

  it("Shift+Tab help: the signature and docstring, without colour codes", async () => {
    const res = await owner.client.post(`/api/notebooks/${nb}/inspect`, { code: "json.dumps(", cursorPos: 10 });
    expect(res.status).toBe(200);
    expect(res.body.found).toBe(true);
    expect(res.body.text).toContain("json.dumps(");
    expect(res.body.text).toContain("skipkeys=False");
    expect(res.body.text).toContain("Serialize");
    expect(res.body.text).not.toContain("\u001b[");
  });

  it("the CLI completes and shows help too", async () => {
    const cli = (...args: string[]) =>
      promisify(execFile)(
        process.execPath,
        [join(repoRoot, "apps/cli/bin/tandem.js"), ...args, "--url", server.url, "--token", owner.token],
        {
          env: { ...process.env, XDG_CONFIG_HOME: join(gate, "cli") },
        },
      );
    expect((await cli("notebooks", "complete", nb, "os.pa")).stdout.split("\n")).toContain("path");
    expect((await cli("notebooks", "inspect", nb, "json.dumps")).stdout).toContain("skipkeys=False");
  });

  it("only editors may ask; a notebook without a kernel says how to start one", async () => {
    const denied = await complete("os.pa", 5, viewer);
    expect(denied.status).toBe(403);
    const other = (await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "cold" })).body.id;
    const cold = await complete("os.pa", 5, owner, other);
    expect(cold.status).toBe(409);
    expect(cold.body.error.message).toContain("run a cell");
  });

  it("answers at once while a cell runs (ipykernel would queue it behind the cell) and never blocks it", async () => {
    expect((await owner.client.post(`/api/notebooks/${nb}/execute`, { cells: ["wait"] })).status).toBe(202);
    await until(
      async () => (await owner.client.get(`/api/notebooks/${nb}/kernel`)).body.running === "wait",
      "cell running",
    );
    const res = await complete("os.pa", 5);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ busy: true, matches: [] });
    // Still running: the answer did not wait for the cell.
    expect((await owner.client.get(`/api/notebooks/${nb}/kernel`)).body.running).toBe("wait");
    await writeFile(join(gate, "go"), "");
    await until(async () => (await owner.client.get(`/api/notebooks/${nb}/kernel`)).body.running === null, "cell done");
    expect((await complete("os.pa", 5)).body.matches).toContain("path");
  });
});
