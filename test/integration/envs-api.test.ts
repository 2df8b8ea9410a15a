import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  assertUv,
  createProject,
  createUser,
  type HttpClient,
  makeWheels,
  repoRoot,
  serveWheels,
  type TestServer,
  type TestUser,
  testUvCache,
  usePreamble,
} from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const recordedGpus = join(repoRoot, "services/envs/test/data/nvidia-smi-4xh100.csv");
let server: TestServer;
let editor: TestUser;
let viewer: TestUser;
let index: { url: string; close(): Promise<void> };
let wheelsDir: string;

/** Polls until the build ends (no wall-clock assertions: the test timeout is the only limit). */
async function settled(client: HttpClient, id: string) {
  for (;;) {
    const res = await client.get(`/api/environments/${id}`);
    expect(res.status).toBe(200);
    if (res.body.status === "ready" || res.body.status === "failed") return res.body;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const envsDir = () => join(server.dataDir, "envs");
const cli = (...args: string[]) =>
  promisify(execFile)(
    process.execPath,
    [join(repoRoot, "apps/cli/bin/tandem.js"), ...args, "--url", server.url, "--token", editor.token],
    {
      cwd: repoRoot,
      env: { ...process.env, XDG_CONFIG_HOME: join(server.dataDir, "cli") },
    },
  );

usePreamble({ env: { TANDEM_UV_CACHE_DIR: testUvCache, TANDEM_GPU_INVENTORY_FILE: recordedGpus } }, (p) => {
  ({ server } = p);
});
beforeAll(async () => {
  assertUv();
  wheelsDir = mkdtempSync(join(tmpdir(), "tandem-wheels-"));
  makeWheels(wheelsDir, [
    { name: "tiny-a", version: "1.0.0", requires: ["tiny-b>=2"] },
    { name: "tiny-b", version: "1.0.0" },
    { name: "tiny-b", version: "2.1.0" },
  ]);
  index = await serveWheels(wheelsDir);
  editor = await createUser(server.http, "editor");
  viewer = await createUser(server.http, "viewer");
  await createProject(server.admin, [
    { user: editor, role: "editor" },
    { user: viewer, role: "viewer" },
  ]);
});
afterAll(async () => {
  await index?.close();
  rmSync(wheelsDir, { recursive: true, force: true });
});

const tinySpec = (name: string, requirements = ["tiny-a"]) => ({
  name,
  python: "3",
  requirements,
  indexes: { findLinks: [index.url] },
});

describe("environments API", () => {
  let first: any;

  it("creates an environment (201 {id, status}) that becomes ready, with its lock, size and kernelspec", async () => {
    const res = await editor.client.post("/api/environments", tinySpec("tiny"));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.any(String), status: "queued", name: "tiny", version: 1 });
    first = await settled(editor.client, res.body.id);
    expect(first.status).toBe("ready");
    expect(first.error).toBeNull();
    expect(first.identity).toMatch(/^[0-9a-f]{32}$/);
    expect(first.python).toMatch(/^3\.\d+\.\d+$/);
    expect(first.sizeBytes).toBeGreaterThan(0);
    expect(first.kernelspec).toBe(`tandem-env-${first.id}`);
    const a = first.packages.find((p: any) => p.name === "tiny-a");
    expect(a).toMatchObject({ version: "1.0.0", index: index.url });
    expect(a.hashes[0]).toMatch(/^sha256:/);
    expect(first.packages.find((p: any) => p.name === "tiny-b").version).toBe("2.1.0");
    expect(existsSync(join(envsDir(), first.identity, "bin", "python"))).toBe(true);

    const ks = (await server.server!.envs.kernelspecs()).find(
      (k) => k.spec.metadata.tandem.environmentId === first.id,
    )!;
    expect(ks.spec.argv).toEqual([
      join(envsDir(), first.identity, "bin", "python"),
      "-m",
      "ipykernel_launcher",
      "-f",
      "{connection_file}",
    ]);
    expect(ks.spec.env).toEqual({ PYTHONNOUSERSITE: "1" });
    expect(ks.spec.metadata.tandem.identity).toBe(first.identity);

    const list = await viewer.client.get("/api/environments");
    expect(list.body.map((e: any) => e.id)).toContain(first.id);
  });

  it("keeps the build log, and exports the lock as requirements.txt with hashes", async () => {
    const logs = await viewer.client.get(`/api/environments/${first.id}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.body).toMatch(/uv pip compile/);
    expect(logs.body).toMatch(/ready in/);
    const req = await viewer.client.get(`/api/environments/${first.id}/requirements.txt`);
    expect(req.status).toBe(200);
    expect(req.headers.get("content-type")).toMatch(/text\/plain/);
    expect(req.body).toContain(`--find-links ${index.url}`);
    expect(req.body).toMatch(/^tiny-a==1\.0\.0 \\\n {4}--hash=sha256:[0-9a-f]{64}$/m);
    expect(req.body).toMatch(/^ipykernel==/m);
  });

  it("gives a new version of the same spec the same identity and reuses the built directory", async () => {
    const res = await editor.client.post("/api/environments", tinySpec("tiny"));
    expect(res.body.version).toBe(2);
    const second = await settled(editor.client, res.body.id);
    expect(second.status).toBe("ready");
    expect(second.identity).toBe(first.identity);
    const log = await editor.client.get(`/api/environments/${second.id}/logs`);
    expect(log.body).toMatch(/already built; reusing it/);
    expect(readdirSync(envsDir()).filter((n) => !n.startsWith("."))).toEqual([first.identity]);
  });

  it("streams the log of a running build until it ends", async () => {
    const res = await editor.client.post("/api/environments", tinySpec("tiny-b-only", ["tiny-b==1.0.0"]));
    const stream = await fetch(`${server.url}/api/environments/${res.body.id}/logs?follow=true`, {
      headers: { authorization: `Bearer ${viewer.token}` },
    });
    expect(stream.status).toBe(200);
    const text = await stream.text(); // ends when the build does
    expect(text).toMatch(/identity [0-9a-f]{32}/);
    expect(text).toMatch(/ready in|already built/);
    expect((await settled(editor.client, res.body.id)).status).toBe("ready");
  });

  it("fails clearly, leaving nothing half-built, for conflicts, a missing Python and an unreachable index", async () => {
    const before = readdirSync(envsDir()).sort();
    const conflict = await editor.client.post("/api/environments", tinySpec("conflict", ["tiny-a", "tiny-b<2"]));
    const noPython = await editor.client.post("/api/environments", { ...tinySpec("old"), python: "3.4" });
    const unreachable = await editor.client.post("/api/environments", {
      ...tinySpec("offline"),
      indexes: { url: "http://127.0.0.1:9/simple" },
    });
    const c = await settled(editor.client, conflict.body.id);
    expect(c.status).toBe("failed");
    expect(c.error).toMatch(/cannot be resolved.*tiny-b<2/);
    const p = await settled(editor.client, noPython.body.id);
    expect(p.error).toMatch(/Python 3\.4 is not installed on this machine/);
    const u = await settled(editor.client, unreachable.body.id);
    expect(u.error).toMatch(/could not be reached.*127\.0\.0\.1:9/);
    expect(readdirSync(envsDir()).sort()).toEqual(before);
    expect((await editor.client.get(`/api/environments/${conflict.body.id}/logs`)).body).toMatch(/FAILED: /);
    expect((await editor.client.get(`/api/environments/${conflict.body.id}/requirements.txt`)).status).toBe(409);
  });

  it("refuses bad specs and people who may not create", async () => {
    const bad = await editor.client.post("/api/environments", { name: "x", requirements: ["--index-url http://evil"] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
    expect((await editor.client.post("/api/environments", { name: "x", python: "2.7" })).status).toBe(400);
    expect((await viewer.client.post("/api/environments", tinySpec("v"))).status).toBe(403);
    const local = await editor.client.post("/api/environments", {
      ...tinySpec("l"),
      indexes: { findLinks: [wheelsDir] },
    });
    expect(local.status).toBe(403);
    const base = await editor.client.post("/api/environments", {
      ...tinySpec("b"),
      base: { python: "/usr/bin/python3" },
    });
    expect(base.status).toBe(403);
    expect((await server.http.get("/api/environments")).status).toBe(401);
    expect((await editor.client.get("/api/environments/00000000-0000-4000-8000-000000000000")).status).toBe(404);
  });

  it("deletes versions (creator or admin) and garbage-collects directories nothing references", async () => {
    const all = (await editor.client.get("/api/environments")).body.filter((e: any) => e.identity === first.identity);
    expect(all).toHaveLength(2);
    expect((await viewer.client.delete(`/api/environments/${all[0].id}`)).status).toBe(403);
    expect((await editor.client.delete(`/api/environments/${all[0].id}`)).status).toBe(204);
    expect((await editor.client.post("/api/environments/gc")).status).toBe(403);
    let gc = await server.admin.post("/api/environments/gc");
    expect(gc.body.removed).not.toContain(first.identity); // the other version still uses it
    expect((await server.admin.delete(`/api/environments/${all[1].id}`)).status).toBe(204);
    gc = await server.admin.post("/api/environments/gc");
    expect(gc.status).toBe(200);
    expect(gc.body.removed).toContain(first.identity);
    expect(gc.body.freedBytes).toBeGreaterThan(0);
    expect(existsSync(join(envsDir(), first.identity))).toBe(false);
  });

  it("rebuilds a removed environment from its stored lock, to the same identity", async () => {
    const res = await editor.client.post("/api/environments", tinySpec("rebuilt"));
    const built = await settled(editor.client, res.body.id);
    rmSync(join(envsDir(), built.identity), { recursive: true });
    expect(await server.server!.envs.kernelspec(built.id)).toBeNull();
    const again = await editor.client.post(`/api/environments/${built.id}/build`);
    expect(again.status).toBe(202);
    const after = await settled(editor.client, built.id);
    expect(after.status).toBe("ready");
    expect(after.identity).toBe(built.identity);
    expect((await editor.client.get(`/api/environments/${built.id}/logs`)).body).toMatch(/from the stored lock/);
    expect(existsSync(join(envsDir(), built.identity, "tandem-environment.json"))).toBe(true);
  });

  it("shows the GPU inventory (recorded nvidia-smi output) and the queue", async () => {
    const res = await viewer.client.get("/api/gpus");
    expect(res.status).toBe(200);
    expect(res.body.gpus).toHaveLength(4);
    expect(res.body.gpus[0]).toMatchObject({
      name: "NVIDIA H100 80GB HBM3",
      driverVersion: "550.54.15",
      allocatedTo: null,
    });
    expect(res.body.queue).toEqual([]);
  });

  it("launches kernels of a GPU environment on free GPUs by UUID, queueing visibly when none are free", async () => {
    const res = await editor.client.post("/api/environments", { ...tinySpec("gpu"), gpu: { count: 3, cuda: "12.4" } });
    const env = await settled(editor.client, res.body.id);
    expect(env.status).toBe("ready");
    const envs = server.server!.envs;
    const one = (await envs.prepareLaunch(env.kernelspec))!;
    expect(one.env.PYTHONNOUSERSITE).toBe("1");
    expect(one.env.CUDA_VISIBLE_DEVICES.split(",")).toHaveLength(3);
    expect(one.record).toMatchObject({ environmentId: env.id, identity: env.identity, driverVersion: "550.54.15" });
    expect(one.record.gpus.map((g) => g.name)).toEqual(Array(3).fill("NVIDIA H100 80GB HBM3"));

    const second = envs.prepareLaunch(env.kernelspec); // needs 3, only 1 free: waits
    await new Promise((r) => setTimeout(r, 50));
    const status = (await viewer.client.get("/api/gpus")).body;
    expect(status.gpus.filter((g: any) => g.allocatedTo === env.id)).toHaveLength(3);
    expect(status.queue).toMatchObject([{ environmentId: env.id, count: 3 }]);
    one.release();
    const two = (await second)!;
    expect(two.env.CUDA_VISIBLE_DEVICES.split(",")).toHaveLength(3);
    two.release();

    // An environment that asked for no GPU sees none.
    const plain = (await editor.client.get("/api/environments")).body.find(
      (e: any) => e.status === "ready" && !e.spec.gpu,
    );
    const cpu = (await envs.prepareLaunch(plain.kernelspec))!;
    expect(cpu.env).toEqual({ PYTHONNOUSERSITE: "1", CUDA_VISIBLE_DEVICES: "" });
    expect(cpu.record.gpus).toEqual([]);
    expect(await envs.prepareLaunch("python3")).toBeNull();

    // A driver too old for the environment's CUDA is a clear error before anything starts.
    const newer = await editor.client.post("/api/environments", {
      ...tinySpec("gpu"),
      gpu: { count: 1, cuda: "13.0" },
    });
    const built = await settled(editor.client, newer.body.id);
    await expect(envs.prepareLaunch(built.kernelspec)).rejects.toThrow(
      /CUDA 13.0, which needs an NVIDIA driver 580 or newer; this machine has 550.54.15/,
    );
  });

  it("documents the routes in the OpenAPI document", async () => {
    const doc = await server.http.get("/api/openapi.json");
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        "/environments",
        "/environments/{id}",
        "/environments/{id}/logs",
        "/environments/{id}/requirements.txt",
        "/gpus",
      ]),
    );
  });
});

describe("tandem envs (CLI)", () => {
  it("creates, waits, lists, shows and exports", async () => {
    const created = await cli(
      "envs",
      "create",
      "cli-env",
      "tiny-b==2.1.0",
      "--find-links",
      index.url,
      "--wait",
      "--json",
    );
    const env = JSON.parse(created.stdout);
    expect(env.status).toBe("ready");
    const listed = await cli("envs", "list");
    expect(listed.stdout).toMatch(/cli-env\s+1\s+ready/);
    const shown = await cli("envs", "show", env.id);
    expect(shown.stdout).toMatch(/tiny-b==2\.1\.0/);
    const exported = await cli("envs", "export", env.id);
    expect(exported.stdout).toMatch(/^tiny-b==2\.1\.0 \\$/m);
    const logs = await cli("envs", "logs", env.id);
    expect(logs.stdout).toMatch(/ready in|already built/);
    await cli("envs", "delete", env.id);
    await expect(cli("envs", "show", env.id)).rejects.toMatchObject({
      stderr: expect.stringMatching(/Environment not found \(404/),
    });
  });
});
