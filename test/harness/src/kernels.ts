import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./server.ts";

export const testPython = join(repoRoot, ".venv-test/bin/python");

/**
 * A kernelspec data directory holding `python3` (the test environment's ipykernel), for
 * TANDEM_KERNELSPEC_PATH. Fails, never skips, when the test environment is missing.
 */
export async function pythonKernelspecs(
  options: { interruptMode?: "signal" | "message" } = {},
): Promise<{ dir: string; env: Record<string, string>; remove(): Promise<void> }> {
  if (!existsSync(testPython)) {
    throw new Error(
      `No Python test environment at ${testPython}: run \`bash scripts/setup-test-env.sh\` (installs ipykernel from test/requirements.txt)`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "tandem-kernelspecs-"));
  await mkdir(join(dir, "kernels/python3"), { recursive: true });
  await writeFile(
    join(dir, "kernels/python3/kernel.json"),
    JSON.stringify({
      argv: [testPython, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
      display_name: "Python 3 (test)",
      language: "python",
      interrupt_mode: options.interruptMode ?? "signal",
      metadata: { debugger: false },
    }),
  );
  return {
    dir,
    env: { TANDEM_KERNELSPEC_PATH: dir, TANDEM_DEFAULT_KERNELSPEC: "python3", TANDEM_KERNEL_POOL_SIZE: "0" },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
