import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, HttpClient, repoRoot, startTestServer, type TestServer } from "@tandem/testkit";
import { afterAll, describe, expect, it } from "vitest";

const cli = join(repoRoot, "apps/cli/bin/tandem.js");

/** Runs `tandem serve` until it prints its URL; returns the URL, the output so far and the process. */
function serve(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [cli, "serve", "--host", "127.0.0.1", ...args], {
    cwd: repoRoot,
    // No first-start environment build: these tests are about the server itself.
    env: { ...process.env, TANDEM_LOG_LEVEL: "warn", TANDEM_DEFAULT_ENV: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (b: Buffer) => {
      output += b.toString();
      const m = /Tandem is running at (\S+?)\/?\s/.exec(output);
      if (m) resolve(m[1]!);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    exit.then((code) => reject(new Error(`exited ${code}: ${output}`)));
  });
  ready.catch(() => {});
  return { child, ready, exit, output: () => output };
}

const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe("tandem serve", () => {
  it("serves until SIGTERM, then stops cleanly with exit code 0", async () => {
    const server = await startTestServer({ process: true });
    servers.push(server);
    expect((await server.http.get("/api/health")).body).toEqual({ status: "ok" });
    await server.kill("SIGTERM");
    expect(server.child!.exitCode).toBe(0);
  });

  it("stops at start-up with a message naming a bad variable", async () => {
    const run = serve([], { TANDEM_PORT: "eighty", DATABASE_URL: "mysql://nope" });
    const code = await run.exit;
    expect(code).not.toBe(0);
    expect(run.output()).toMatch(/TANDEM_PORT/);
    expect(run.output()).toMatch(/DATABASE_URL: must be a postgres/);
    expect(run.output()).not.toMatch(/at .*\.ts:\d+/);
  });

  it("runs migrations safely when two servers start at once on one database", async () => {
    const database = await createTestDatabase();
    const [a, b] = await Promise.all([
      startTestServer({ process: true, database }),
      startTestServer({ process: true, database }),
    ]);
    servers.push(a, b);
    expect((await a.http.get("/api/health")).status).toBe(200);
    expect((await b.http.get("/api/health")).status).toBe(200);
    // Both see the same data.
    const created = await a.admin.post("/api/projects", { name: "shared" });
    expect((await b.admin.get(`/api/projects/${created.body.id}`)).body.name).toBe("shared");
    await Promise.all([a.close(), b.close()]);
    await database.drop();
  });

  it("keeps its data in embedded Postgres under --data-dir when no DATABASE_URL is set", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tandem-pglite-"));
    const env = { DATABASE_URL: "", TANDEM_TOKEN: "tdm_fixed_token_for_test_1234" };
    try {
      const first = serve(["--port", "0", "--data-dir", dataDir], env);
      const url = await first.ready;
      const admin = new HttpClient(url, { token: env.TANDEM_TOKEN });
      const created = await admin.post("/api/projects", { name: "embedded" });
      expect(created.status).toBe(201);
      first.child.kill("SIGTERM");
      expect(await first.exit).toBe(0);

      const second = serve(["--port", "0", "--data-dir", dataDir], env);
      const url2 = await second.ready;
      const again = await new HttpClient(url2, { token: env.TANDEM_TOKEN }).get(`/api/projects/${created.body.id}`);
      expect(again.body.name).toBe("embedded");
      second.child.kill("SIGTERM");
      await second.exit;
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("makes a fresh login token each start unless TANDEM_TOKEN fixes it", async () => {
    const database = await createTestDatabase();
    const env = { DATABASE_URL: database.url, TANDEM_TOKEN: "" };
    const tokens: string[] = [];
    for (let i = 0; i < 2; i++) {
      const run = serve(["--port", "0"], env);
      await run.ready;
      tokens.push(/login\?token=(\S+)/.exec(run.output())![1]!);
      run.child.kill("SIGTERM");
      await run.exit;
    }
    expect(tokens[0]).not.toBe(tokens[1]);
    // The first start's link no longer works once the second start replaced it.
    const run = serve(["--port", "0"], env);
    const url = await run.ready;
    const latest = /login\?token=(\S+)/.exec(run.output())![1]!;
    expect((await new HttpClient(url, { token: tokens[0] }).get("/api/me")).status).toBe(401);
    expect((await new HttpClient(url, { token: latest }).get("/api/me")).status).toBe(200);
    run.child.kill("SIGTERM");
    await run.exit;
    await database.drop();
  });
});
