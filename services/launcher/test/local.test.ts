import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LaunchError, LocalLauncher } from "../src/index.ts";

// Real processes: /bin/sh and sleep, present on every machine the tests run on.
const launcher = new LocalLauncher();
const PATH = process.env.PATH ?? "/usr/bin:/bin";
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "launcher-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Running, not a zombie waiting for a parent that does not reap (as in some containers). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
};

describe("LocalLauncher", () => {
  it("reports the exit code and keeps the output", async () => {
    const p = await launcher.start({ argv: ["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], cwd: dir, env: {} });
    expect(p.pid).toBeGreaterThan(0);
    expect(await p.exited).toEqual({ code: 3, signal: null });
    expect(p.running).toBe(false);
    expect(p.logs()).toContain("out");
    expect(p.logs()).toContain("err");
  });

  it("passes exactly the given environment, cwd and GPUs, and none of the parent's secrets", async () => {
    process.env.TANDEM_TEST_SECRET = "hunter2-hunter2";
    try {
      const p = await launcher.start({
        argv: ["/bin/sh", "-c", "env; pwd"],
        cwd: dir,
        env: { PATH, GREETING: "hello" },
        gpus: ["1", "3"],
      });
      await p.exited;
      const out = p.logs();
      expect(out).toContain("GREETING=hello");
      expect(out).toContain("CUDA_VISIBLE_DEVICES=1,3");
      expect(out).toContain(dir);
      expect(out).not.toContain("hunter2");
      expect(out).not.toContain("TANDEM_TEST_SECRET");
    } finally {
      delete process.env.TANDEM_TEST_SECRET;
    }
  });

  it("hides every GPU when given none", async () => {
    const p = await launcher.start({
      argv: ["/bin/sh", "-c", 'echo "[$CUDA_VISIBLE_DEVICES]"'],
      cwd: dir,
      env: {},
      gpus: [],
    });
    await p.exited;
    expect(p.logs().trim()).toBe("[]");
  });

  it("runs the command inside the wrapper", async () => {
    const p = await launcher.start({
      argv: ["echo", "inner"],
      wrapper: ["/usr/bin/env", "WRAPPED=1"],
      cwd: dir,
      env: { PATH },
    });
    await p.exited;
    expect(p.logs().trim()).toBe("inner");
    const q = await launcher.start({
      argv: ["/bin/sh", "-c", "echo $WRAPPED"],
      wrapper: ["/usr/bin/env", "WRAPPED=yes"],
      cwd: dir,
      env: {},
    });
    await q.exited;
    expect(q.logs().trim()).toBe("yes");
  });

  it("stop kills the whole process group, grandchildren included", async () => {
    const pidFile = join(dir, "grandchild.pid");
    // The grandchild ignores nothing; the leader ignores SIGTERM, so the grace period ends in SIGKILL.
    const p = await launcher.start({
      argv: ["/bin/sh", "-c", `sleep 300 & echo $! > ${pidFile}; trap '' TERM; echo ready; while :; do sleep 1; done`],
      cwd: dir,
      env: { PATH },
    });
    await new Promise<void>((resolve) => {
      if (p.logs().includes("ready")) resolve();
      p.onOutput((chunk) => chunk.includes("ready") && resolve());
    });
    const grandchild = Number((await readFile(pidFile, "utf8")).trim());
    expect(alive(grandchild)).toBe(true);
    const exit = await p.stop(200);
    expect(exit.signal).toBe("SIGKILL");
    expect(alive(grandchild)).toBe(false);
  });

  it("kills what a process left behind when it exits", async () => {
    const pidFile = join(dir, "orphan.pid");
    const p = await launcher.start({
      argv: ["/bin/sh", "-c", `sleep 300 & echo $! > ${pidFile}; exit 0`],
      cwd: dir,
      env: { PATH },
    });
    expect((await p.exited).code).toBe(0);
    const orphan = Number((await readFile(pidFile, "utf8")).trim());
    expect(alive(orphan)).toBe(false);
  });

  it("a signal reaches the group", async () => {
    const p = await launcher.start({ argv: ["sleep", "300"], cwd: dir, env: { PATH } });
    p.signal("SIGINT");
    expect(await p.exited).toEqual({ code: null, signal: "SIGINT" });
  });

  it("applies limits through prlimit", async () => {
    const p = await launcher.start({
      argv: ["/bin/sh", "-c", "ulimit -n"],
      cwd: dir,
      env: { PATH },
      limits: { openFiles: 77 },
    });
    await p.exited;
    expect(p.logs().trim()).toBe("77");
  });

  it("refuses a program that does not exist with a typed error", async () => {
    const err = await launcher.start({ argv: ["/nonexistent/python"], cwd: dir, env: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(LaunchError);
    expect(err.code).toBe("spawn_failed");
    expect(err.message).toContain("/nonexistent/python");
  });
});
