import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createUser, repoRoot, startTestServer, type TestServer, writeNbformatFixture } from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const bin = join(repoRoot, "apps/cli/bin/tandem.js");
let server: TestServer;
let home: string;

beforeAll(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), "tandem-cli-"));
});
afterAll(async () => {
  await server?.close();
  await rm(home, { recursive: true, force: true });
});

/** Runs the real CLI as a user would; never throws, answers exit code and output. */
async function tandem(args: string[], env: Record<string, string> = {}, input?: string) {
  const child = run(process.execPath, [bin, ...args], {
    env: { ...process.env, XDG_CONFIG_HOME: home, TANDEM_URL: "", TANDEM_TOKEN: "", ...env },
  });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("tandem CLI", () => {
  it("logs in with a token, saves it privately, and mirrors the projects and notebooks API", async () => {
    const login = await tandem(["login", "--url", server.url, "--token", server.adminToken]);
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(/Signed in to .* as admin@localhost/);
    const settings = join(home, "tandem", "cli.json");
    expect(JSON.parse(await readFile(settings, "utf8"))).toMatchObject({ url: server.url });
    expect((await stat(settings)).mode & 0o077).toBe(0);

    const created = await tandem(["projects", "create", "From the CLI", "--json"]);
    expect(created.code).toBe(0);
    const project = JSON.parse(created.stdout);
    expect(project).toMatchObject({ name: "From the CLI", role: "owner" });

    const list = await tandem(["projects", "list"]);
    expect(list.stdout).toMatch(/id\s+name\s+role/);
    expect(list.stdout).toContain("From the CLI");

    const nb = JSON.parse((await tandem(["notebooks", "create", project.id, "Exploration", "--json"])).stdout);
    expect(nb).toMatchObject({ name: "Exploration", projectId: project.id });
    await tandem(["notebooks", "rename", nb.id, "Training"]);
    const fromApi = await server.admin.get(`/api/notebooks/${nb.id}`);
    expect(fromApi.body.name).toBe("Training");
    expect((await tandem(["notebooks", "delete", nb.id])).code).toBe(0);
    expect((await server.admin.get(`/api/notebooks/${nb.id}`)).status).toBe(404);
  });

  it("logs in with email and password, minting a token for this machine", async () => {
    await server.http.post("/api/auth/signup", {
      email: "cli@example.com",
      name: "Cli",
      password: "terminal velocity",
    });
    const res = await tandem(
      ["login", "--url", server.url, "--email", "cli@example.com", "--password-stdin"],
      {},
      "terminal velocity\n",
    );
    expect(res.code).toBe(0);
    const who = JSON.parse((await tandem(["whoami", "--json"])).stdout);
    expect(who.email).toBe("cli@example.com");
    const tokens = JSON.parse((await tandem(["tokens", "list", "--json"])).stdout);
    expect(tokens.map((t: { name: string }) => t.name)).toEqual([expect.stringMatching(/^tandem CLI on /)]);
  });

  it("manages members by email and role", async () => {
    const bob = await createUser(server.http, "bob");
    const env = { TANDEM_URL: server.url, TANDEM_TOKEN: server.adminToken };
    const project = JSON.parse((await tandem(["projects", "create", "Team", "--json"], env)).stdout);
    expect((await tandem(["members", "add", project.id, bob.email, "viewer"], env)).code).toBe(0);
    const members = JSON.parse((await tandem(["members", "list", project.id, "--json"], env)).stdout);
    expect(members.find((m: { email: string }) => m.email === bob.email).role).toBe("viewer");
  });

  it("says what went wrong with a non-zero exit", async () => {
    const env = { TANDEM_URL: server.url, TANDEM_TOKEN: server.adminToken };
    const missing = await tandem(["projects", "get", "00000000-0000-4000-8000-000000000000"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Project not found \(404 not_found\)/);
    const badToken = await tandem(["projects", "list"], { TANDEM_URL: server.url, TANDEM_TOKEN: "tdm_wrong" });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toMatch(/401/);
    const usage = await tandem(["projects", "create"], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: tandem projects create NAME/);
    expect((await tandem(["frobnicate"])).code).toBe(2);
    const unreachable = await tandem(["projects", "list"], { TANDEM_URL: "http://127.0.0.1:1", TANDEM_TOKEN: "x" });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/Cannot reach/);
  });
});

describe("tandem CLI: notebook files and sharing", () => {
  it("imports an .ipynb, exports it back, and manages share links", async () => {
    const env = { TANDEM_URL: server.url, TANDEM_TOKEN: server.adminToken };
    const project = JSON.parse((await tandem(["projects", "create", "Files", "--json"], env)).stdout);
    const source = await writeNbformatFixture(home, "full_v4_5.ipynb");
    const imported = await tandem(["notebooks", "import", project.id, source, "--json"], env);
    expect(imported.code, imported.stderr).toBe(0);
    const nb = JSON.parse(imported.stdout);
    expect(nb.name).toBe("full_v4_5");

    const out = join(home, "exported.ipynb");
    expect((await tandem(["notebooks", "export", nb.id, "-o", out], env)).code).toBe(0);
    const exported = JSON.parse(await readFile(out, "utf8"));
    const original = JSON.parse(await readFile(source, "utf8"));
    expect(exported.cells.length).toBe(original.cells.length);
    expect(exported.nbformat).toBe(4);

    const link = JSON.parse((await tandem(["share", "create", nb.id, "--json"], env)).stdout);
    expect(link.url).toMatch(/\/s\/tdms_/);
    const listed = JSON.parse((await tandem(["share", "list", nb.id, "--json"], env)).stdout);
    expect(listed.map((l: { id: string }) => l.id)).toEqual([link.id]);
    expect((await tandem(["share", "revoke", nb.id, link.id], env)).code).toBe(0);
    expect((await server.http.get(`/s/${link.token}`)).status).toBe(404);

    const bad = join(home, "bad.ipynb");
    await writeFile(bad, "{ not json");
    const refused = await tandem(["notebooks", "import", project.id, bad], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Cannot read .*bad\.ipynb as JSON/);
  });
});
