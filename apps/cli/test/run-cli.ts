import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@tandem/testkit";

const exec = promisify(execFile);
const bin = join(repoRoot, "apps/cli/bin/tandem.js");

/** Runs the real CLI as a user would; never throws, answers exit code and output. */
export async function tandem(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Starts the CLI and hands back the child, for tests that talk to it while it runs (Ctrl-C). */
export function spawnTandem(args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => {
    stdout += d;
  });
  child.stderr!.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? -1)));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    /** Resolves once stderr matches (polls; the test's own timeout bounds it). */
    async stderrMatches(pattern: RegExp) {
      while (!pattern.test(stderr)) {
        if (child.exitCode !== null) throw new Error(`tandem exited (${child.exitCode}) first:\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
