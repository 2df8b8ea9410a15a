import { spawn } from "node:child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Each line of stdout and stderr as it arrives (build logs stream from here). */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/** Runs a program without a shell; resolves with its exit code (never rejects on a non-zero exit). */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      signal: options.signal,
    });
    let stdout = "";
    let stderr = "";
    const lines = (push: (s: string) => void) => {
      let partial = "";
      return (chunk: Buffer) => {
        const text = chunk.toString();
        push(text);
        if (!options.onLine) return;
        const parts = (partial + text).split(/\r?\n/);
        partial = parts.pop() ?? "";
        for (const line of parts) options.onLine(line);
      };
    };
    child.stdout.on(
      "data",
      lines((s) => (stdout += s)),
    );
    child.stderr.on(
      "data",
      lines((s) => (stderr += s)),
    );
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}
