import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeSandbox, SANDBOX_CONNECTION_FILE, sandboxArgs } from "../src/sandbox.ts";

const run = promisify(execFile);
let root: string;

beforeAll(async () => {
  if (await probeSandbox({ bwrap: "bwrap", readPaths: [] })) {
    throw new Error("These tests need bubblewrap: apt-get install bubblewrap (scripts/setup-test-env.sh)");
  }
  root = await mkdtemp(join(tmpdir(), "tandem-sandbox-"));
  // A tree shaped like a careless set-up: the data dir inside a directory kernels may read.
  await mkdir(join(root, "shared/data/work/p1"), { recursive: true });
  await mkdir(join(root, "shared/data/runtime"), { recursive: true });
  await mkdir(join(root, "shared/data/envs/e1"), { recursive: true });
  await writeFile(join(root, "shared/data/runtime/kernel-other.json"), '{"key": "secret"}');
  await writeFile(join(root, "shared/data/envs/e1/marker"), "env");
  await writeFile(join(root, "shared/notes.txt"), "readable");
  await writeFile(join(root, "conn.json"), "{}");
  await chmod(root, 0o755);
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function inSandbox(script: string, readPaths: string[]) {
  const data = join(root, "shared/data");
  const args = sandboxArgs(
    {
      argv: ["/bin/sh", "-c", script],
      env: { PATH: "/usr/bin:/bin" },
      cwd: join(data, "work/p1"),
      connectionFile: join(root, "conn.json"),
    },
    { bwrap: "bwrap", readPaths, hidden: [data] },
  );
  const { stdout } = await run("bwrap", args, { env: { PATH: "/usr/bin:/bin" } });
  return stdout.trim().split("\n");
}

describe("the kernel sandbox's mounts", () => {
  it("hides the data dir under a readable tree, but shows what is bound inside it", async () => {
    const data = join(root, "shared/data");
    const out = await inSandbox(
      [
        `cat ${root}/shared/notes.txt; echo`,
        `ls ${data}`,
        `test -e ${data}/runtime/kernel-other.json && echo visible || echo hidden`,
        `cat ${data}/envs/e1/marker; echo`,
        "pwd",
        `test -r ${SANDBOX_CONNECTION_FILE} && echo own-connection-file`,
        "ls /proc | grep -c '^[0-9]'",
      ].join("; "),
      [join(root, "shared"), join(data, "envs/e1")],
    );
    expect(out).toEqual([
      "readable",
      // Only the mount points made inside the empty tmpfs: no runtime dir.
      "envs",
      "work",
      "hidden",
      "env",
      join(data, "work/p1"),
      "own-connection-file",
      // bubblewrap's init, sh, ls (and grep, if it started yet): nothing of the host's processes.
      expect.stringMatching(/^[34]$/),
    ]);
  });
});
