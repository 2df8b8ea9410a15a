import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateEnvironmentBody, type EnvironmentSpec } from "@tandem/protocol";
import { assertUv, makeWheels, testUvCache } from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildLock,
  EnvError,
  environmentKernelspec,
  GpuAllocator,
  locateUv,
  lockIdentity,
  MARKER,
  parseNvidiaSmiCsv,
  prepareKernelLaunch,
  resolveSpec,
  type Uv,
} from "../src/index.ts";

let dir: string;
let wheels: string;
let uv: Uv;
const logs: string[] = [];
const log = (l: string) => logs.push(l);

const spec = (over: Partial<EnvironmentSpec> & { requirements: string[] }): EnvironmentSpec =>
  CreateEnvironmentBody.parse({ name: "t", python: "3", indexes: { findLinks: [wheels] }, ...over });

beforeAll(async () => {
  assertUv();
  dir = mkdtempSync(join(tmpdir(), "tandem-envs-unit-"));
  wheels = makeWheels(join(dir, "wheels"), [
    { name: "tiny-a", version: "1.0.0", requires: ["tiny-b>=2"] },
    { name: "tiny-b", version: "1.0.0" },
    { name: "tiny-b", version: "2.1.0" },
    { name: "tiny-broken", version: "0.1.0", broken: true },
  ]);
  uv = await locateUv({ dataDir: dir, cacheDir: testUvCache });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("resolution", () => {
  it("pins every package with hashes and the index it came from, ipykernel included", async () => {
    const lock = await resolveSpec(uv, spec({ requirements: ["tiny-a"] }), join(dir, "w1"), log);
    const a = lock.packages.find((p) => p.name === "tiny-a")!;
    const b = lock.packages.find((p) => p.name === "tiny-b")!;
    expect(a.version).toBe("1.0.0");
    expect(b.version).toBe("2.1.0");
    expect(a.hashes[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a.index).toBe(`file://${wheels}`);
    expect(lock.packages.some((p) => p.name === "ipykernel")).toBe(true);
    for (const p of lock.packages) expect(p.hashes.length).toBeGreaterThan(0);
    expect(lock.python.version).toMatch(/^3\.\d+\.\d+$/);
  });

  it("gives identical specs the same identity, and a different spec another", async () => {
    const one = lockIdentity(await resolveSpec(uv, spec({ requirements: ["tiny-a"] }), join(dir, "w2"), log));
    const two = lockIdentity(
      await resolveSpec(uv, spec({ name: "other", requirements: ["tiny-a"] }), join(dir, "w3"), log),
    );
    const three = lockIdentity(await resolveSpec(uv, spec({ requirements: ["tiny-b==1.0.0"] }), join(dir, "w4"), log));
    expect(one).toMatch(/^[0-9a-f]{32}$/);
    expect(two).toBe(one);
    expect(three).not.toBe(one);
  });

  it("says which requirements conflict", async () => {
    const err = await resolveSpec(uv, spec({ requirements: ["tiny-a", "tiny-b<2"] }), join(dir, "w5"), log).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(EnvError);
    expect(err.code).toBe("unresolvable");
    expect(err.message).toMatch(/tiny-b/);
    expect(err.message).toMatch(/tiny-a/);
  });

  it("refuses a Python version the machine does not have, without downloading one", async () => {
    const err = await resolveSpec(uv, spec({ python: "3.4", requirements: ["tiny-a"] }), join(dir, "w6"), log).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(EnvError);
    expect(err.code).toBe("python_not_found");
    expect(err.message).toMatch(/Python 3\.4 is not installed on this machine/);
  });

  it("reports an index that cannot be reached", async () => {
    const s = spec({
      requirements: ["tiny-a"],
      indexes: { url: "http://127.0.0.1:9/simple", extra: [], findLinks: [], noIndex: false },
    });
    const err = await resolveSpec(uv, s, join(dir, "w7"), log).catch((e) => e);
    expect(err).toBeInstanceOf(EnvError);
    expect(err.code).toBe("index_unreachable");
    expect(err.message).toMatch(/127\.0\.0\.1:9/);
  });
});

describe("build", () => {
  it("builds aside and renames into a directory named by the identity; a kernel runs inside it", async () => {
    const envsDir = join(dir, "envs");
    const s = spec({ requirements: ["tiny-a"] });
    const lock = await resolveSpec(uv, s, join(dir, "w8"), log);
    const built = await buildLock(uv, envsDir, lock, s, log);
    expect(built.path).toBe(join(envsDir, lockIdentity(lock)));
    expect(existsSync(join(built.path, MARKER))).toBe(true);
    expect(readdirSync(envsDir).filter((n) => n.startsWith("."))).toEqual([]);
    expect(built.reused).toBe(false);

    // Same lock again: nothing rebuilt.
    const again = await buildLock(uv, envsDir, lock, s, log);
    expect(again.reused).toBe(true);

    // A real ipykernel started from the kernelspec reports sys.prefix inside the environment.
    const ks = environmentKernelspec({
      id: "00000000-0000-4000-8000-000000000001",
      name: "t",
      version: 1,
      identity: built.identity,
      path: built.path,
      python: lock.python.version,
      gpu: { count: 1, cuda: "12.4" },
    });
    // The launch as the kernel gateway does it: the GPU handed out (from a recorded inventory) reaches the kernel.
    const recorded = new URL("./data/nvidia-smi-4xh100.csv", import.meta.url);
    const allocator = new GpuAllocator(parseNvidiaSmiCsv(readFileSync(recorded, "utf8")));
    const launch = await prepareKernelLaunch(allocator, ks);
    const kernels = join(dir, "jupyter", "kernels", ks.name);
    mkdirSync(kernels, { recursive: true });
    writeFileSync(join(kernels, "kernel.json"), JSON.stringify({ ...ks.spec, env: launch.env }));
    const client = `
import sys
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name=sys.argv[1], startup_timeout=60)
try:
    out = []
    kc.execute_interactive("import sys, os, tiny_a; print(sys.prefix); print(os.environ.get('PYTHONNOUSERSITE')); print(os.environ.get('CUDA_VISIBLE_DEVICES'))", output_hook=lambda m: out.append(m["content"].get("text", "")), timeout=60)
    print("".join(out), end="")
finally:
    kc.stop_channels(); km.shutdown_kernel(now=True)
`;
    const printed = execFileSync(join(built.path, "bin", "python"), ["-c", client, ks.name], {
      env: { PATH: process.env.PATH, JUPYTER_PATH: join(dir, "jupyter"), HOME: dir },
      encoding: "utf8",
      timeout: 90_000,
    });
    expect(printed.trim().split("\n")).toEqual([built.path, "1", "GPU-5f1c2a3b-1111-4c4e-9d5e-0a1b2c3d4e01"]);
    launch.release();
    expect(allocator.status().gpus.every((g) => g.allocatedTo === null)).toBe(true);
  }, 120_000);

  it("leaves nothing behind when installation fails", async () => {
    const envsDir = join(dir, "envs-broken");
    const s = spec({ requirements: ["tiny-broken"] });
    const lock = await resolveSpec(uv, s, join(dir, "w9"), log);
    const err = await buildLock(uv, envsDir, lock, s, log).catch((e) => e);
    expect(err).toBeInstanceOf(EnvError);
    expect(err.code).toBe("build_failed");
    expect(readdirSync(envsDir)).toEqual([]);
  }, 120_000);
});

describe("spec forms", () => {
  it("takes a requirements.txt and a pyproject.toml, and refuses option lines", async () => {
    const txt = spec({ requirements: [], requirementsTxt: "# pinned by hand\ntiny-b==1.0.0  # old one\n\n" });
    const fromTxt = await resolveSpec(uv, txt, join(dir, "w10"), log);
    expect(fromTxt.packages.find((p) => p.name === "tiny-b")?.version).toBe("1.0.0");

    const pyproject = '[project]\nname = "analysis"\nversion = "0.1.0"\ndependencies = ["tiny-a"]\n';
    const fromPyproject = await resolveSpec(uv, spec({ requirements: [], pyproject }), join(dir, "w11"), log);
    expect(fromPyproject.packages.map((p) => p.name)).toEqual(
      expect.arrayContaining(["tiny-a", "tiny-b", "ipykernel"]),
    );

    // Refused at the API's schema, and again by the builder for a spec that did not come through it.
    expect(() => spec({ requirements: [], requirementsTxt: "-r /etc/passwd\n" })).toThrow(/option lines/);
    const bad = { ...spec({ requirements: [] }), requirementsTxt: "-r /etc/passwd\n" };
    await expect(resolveSpec(uv, bad, join(dir, "w12"), log)).rejects.toMatchObject({ code: "invalid_spec" });
  });
});
