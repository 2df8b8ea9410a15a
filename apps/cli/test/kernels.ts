import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "@tandem/testkit";

const testPython = join(repoRoot, ".venv-test/bin/python");

/**
 * A kernelspec directory holding `python3` (the test environment's ipykernel), and the server
 * environment that makes it the default. Fails, never skips, when the test environment is missing.
 */
export async function pythonKernelspecs(): Promise<{ env: Record<string, string>; remove(): Promise<void> }> {
  if (!existsSync(testPython)) {
    throw new Error(
      `No Python test environment at ${testPython}: run \`bash scripts/setup-test-env.sh\` (installs ipykernel from test/requirements.txt)`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "tandem-cli-kernelspecs-"));
  await mkdir(join(dir, "kernels/python3"), { recursive: true });
  await writeFile(
    join(dir, "kernels/python3/kernel.json"),
    JSON.stringify({
      argv: [testPython, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
      display_name: "Python 3 (test)",
      language: "python",
      metadata: { debugger: false },
    }),
  );
  return {
    env: { TANDEM_KERNELSPEC_PATH: dir, TANDEM_DEFAULT_KERNELSPEC: "python3", TANDEM_KERNEL_POOL_SIZE: "0" },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** An nbformat 4 notebook of code cells; the first is tagged `parameters` when asked (papermill's convention). */
export function notebook(sources: string[], options: { parametersCell?: boolean } = {}) {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
    cells: sources.map((source, i) => ({
      id: `cell-${i}`,
      cell_type: "code",
      source,
      metadata: i === 0 && options.parametersCell ? { tags: ["parameters"] } : {},
      outputs: [],
      execution_count: null,
    })),
  };
}
