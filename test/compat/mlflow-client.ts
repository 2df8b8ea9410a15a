import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@tandem/testkit";

export const python = join(repoRoot, ".venv-test/bin/python");

/** Fails (never skips) when the tests' Python lacks the MLflow client. */
export async function assertMlflowInstalled(): Promise<void> {
  const hint = "the MLflow client is missing from .venv-test: run bash scripts/setup-test-env.sh";
  if (!existsSync(python)) throw new Error(hint);
  await runPython("import json, mlflow, sklearn; print(json.dumps(mlflow.__version__))", {}).catch(() => {
    throw new Error(hint);
  });
}

/** Runs a Python script with the given environment; resolves with the JSON it prints on its last line. */
export function runPython<T = any>(script: string, env: Record<string, string>, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      ["-c", script],
      {
        env: { ...process.env, MLFLOW_HTTP_REQUEST_MAX_RETRIES: "0", GIT_PYTHON_REFRESH: "quiet", ...env },
        maxBuffer: 16 * 1024 * 1024,
        timeout: timeoutMs,
      },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`python failed: ${err.message}\n${stderr}`));
        const last = stdout.trim().split("\n").pop() ?? "";
        try {
          resolve(JSON.parse(last) as T);
        } catch {
          reject(new Error(`python printed no JSON:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}
