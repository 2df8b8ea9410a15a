import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import {
  assertUv,
  createTestDatabase,
  makeWheels,
  startTestServer,
  type TestDatabase,
  type TestServer,
  testUvCache,
} from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let database: TestDatabase;
let dataDir: string;
let server: TestServer | undefined;

const start = () =>
  startTestServer({
    database,
    // The data-science default (numpy, pandas…) is checked by hand, not built in CI: this one is its minimal twin.
    env: {
      TANDEM_DATA_DIR: dataDir,
      TANDEM_DEFAULT_ENV: "true",
      TANDEM_DEFAULT_ENV_REQUIREMENTS: "ipykernel",
      TANDEM_UV_CACHE_DIR: testUvCache,
    },
  });

async function settled(id: string) {
  for (;;) {
    const res = await server!.admin.get(`/api/environments/${id}`);
    if (res.body.status === "ready" || res.body.status === "failed") return res.body;
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  assertUv();
  database = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), "tandem-default-env-"));
});
afterAll(async () => {
  await server?.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("first start", () => {
  let firstId: string;

  it("builds a default Python 3 environment with ipykernel (from PyPI) under the data dir", async () => {
    server = await start();
    // Asked while the default environment builds, Jupyter's kernelspecs and a kernel start wait for it
    // instead of answering with none.
    const listing = server.admin.get("/api/kernelspecs");
    const started = server.admin.post("/api/kernels", {});
    const env = await server.server!.defaultEnvironment;
    expect(env).toMatchObject({ name: "Python 3", status: "ready" });
    firstId = env!.id;
    const specs0 = (await listing).body;
    expect(specs0.default).toBe(env!.kernelspec);
    expect(Object.keys(specs0.kernelspecs)).toEqual([env!.kernelspec]);
    const kernel = await started;
    expect(kernel.status).toBe(201);
    expect(kernel.body.name).toBe(env!.kernelspec);
    expect((await server.admin.delete(`/api/kernels/${kernel.body.id}`)).status).toBe(204);
    const ipykernel = env!.packages!.find((p) => p.name === "ipykernel")!;
    expect(ipykernel.index).toBe("https://pypi.org/simple");
    const specs = await server.server!.envs.kernelspecs();
    expect(specs.map((k) => k.spec.metadata.tandem.environmentId)).toEqual([firstId]);
    expect(specs[0]!.spec.argv[0]!.startsWith(join(dataDir, "envs", env!.identity!))).toBe(true);
  });

  it("reuses it at the next start", async () => {
    const log = (await server!.admin.get(`/api/environments/${firstId}/logs`)).body;
    await server!.close();
    // What a server killed mid-build leaves: a half-built directory. It is never used, and goes at start.
    const halfBuilt = join(dataDir, "envs", ".building-0123456789abcdef0123456789abcdef-0badf00d");
    mkdirSync(join(halfBuilt, "bin"), { recursive: true });
    server = await start();
    expect(existsSync(halfBuilt)).toBe(false);
    const env = await server.server!.defaultEnvironment;
    expect(env!.id).toBe(firstId);
    const all = (await server.admin.get("/api/environments")).body;
    expect(all).toHaveLength(1);
    expect((await server.admin.get(`/api/environments/${firstId}/logs`)).body).toBe(log);
  });
});

describe("PyPI", () => {
  it("resolves and builds a tiny pure-Python package from PyPI with hashes", async () => {
    const res = await server!.admin.post("/api/environments", { name: "six", requirements: ["six==1.17.0"] });
    expect(res.status).toBe(201);
    const env = await settled(res.body.id);
    expect(env.status).toBe("ready");
    const six = env.packages.find((p: any) => p.name === "six");
    expect(six).toMatchObject({ version: "1.17.0", index: "https://pypi.org/simple" });
    expect(six.hashes).toContain("sha256:4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274");
  });

  it("resolves a spec as the index stood at a snapshot time", async () => {
    const res = await server!.admin.post("/api/environments", {
      name: "six-2024",
      requirements: ["six"],
      snapshot: "2024-01-01T00:00:00Z",
    });
    expect(res.status).toBe(201);
    const env = await settled(res.body.id);
    expect(env.error).toBeNull();
    expect(env.packages.find((p: any) => p.name === "six").version).toBe("1.16.0");
  });
});

describe("base interpreter", () => {
  it("inherits the base's packages, records its frozen list, and adds the spec's on top", async () => {
    const base = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();
    const wheels = makeWheels(join(dataDir, "wheels"), [{ name: "tiny-top", version: "0.3.0" }]);
    const res = await server!.admin.post("/api/environments", {
      name: "on-base",
      requirements: ["tiny-top"],
      indexes: { findLinks: [wheels] },
      base: { python: base },
    });
    const env = await settled(res.body.id);
    expect(env.error).toBeNull();
    expect(env.status).toBe("ready");
    const uv = await server!.server!.envs.uv();
    const frozen = (await uv.run(["pip", "freeze", "--python", base])).stdout
      .split("\n")
      .filter((l) => /^[A-Za-z0-9][A-Za-z0-9._-]*==\S+$/.test(l));
    expect(env.basePackages).toEqual(frozen);
    const prefix = join(dataDir, "envs", env.identity);
    expect(readFileSync(join(prefix, "pyvenv.cfg"), "utf8")).toMatch(/include-system-site-packages = true/);
    const out = execFileSync(
      join(prefix, "bin", "python"),
      ["-c", "import sys, tiny_top, ipykernel; print(sys.prefix)"],
      {
        encoding: "utf8",
        env: { PYTHONNOUSERSITE: "1" },
      },
    );
    expect(out.trim()).toBe(prefix);
  });
});

describe("first start when the default's requirements cannot be built", () => {
  it("falls back to the minimal environment and says why in the log", async () => {
    const db = await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), "tandem-default-fallback-"));
    const lines: string[] = [];
    const logStream = new PassThrough();
    logStream.on("data", (chunk: Buffer) => lines.push(...chunk.toString().split("\n").filter(Boolean)));
    const s = await startTestServer({
      database: db,
      logStream,
      env: {
        TANDEM_DATA_DIR: dir,
        TANDEM_DEFAULT_ENV: "true",
        TANDEM_LOG_LEVEL: "info",
        // A package no index has stands in for an unreachable index: the data-science build fails either way.
        TANDEM_DEFAULT_ENV_REQUIREMENTS: "tandem-no-such-package-7c1e, ipykernel",
        TANDEM_UV_CACHE_DIR: testUvCache,
      },
    });
    try {
      const env = await s.server!.defaultEnvironment;
      expect(env).toMatchObject({ name: "Python 3 (minimal)", status: "ready" });
      const all = (await s.admin.get("/api/environments")).body as any[];
      const failed = all.find((e) => e.name === "Python 3");
      expect(failed.status).toBe("failed");
      expect(failed.error).toContain("tandem-no-such-package-7c1e");
      const warning = lines.map((l) => JSON.parse(l)).find((l) => /falling back/.test(l.msg));
      expect(warning.msg).toContain('falling back to "Python 3 (minimal)"');
      expect(warning.msg).toContain(`tandem envs build ${failed.id}`);
      expect((await s.admin.get("/api/kernelspecs")).body.default).toBe(env!.kernelspec);
    } finally {
      await s.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
