import { stat } from "node:fs/promises";
import { EnvError } from "./errors.ts";
import { run } from "./process.ts";
import type { Uv } from "./uv.ts";

/** An interpreter on this machine, as environments pin it. */
export interface Interpreter {
  path: string;
  /** e.g. 3.11.7 */
  version: string;
  /** e.g. cpython */
  implementation: string;
  /** e.g. linux-x86_64 (sysconfig platform) */
  platform: string;
}

const INSPECT = `import json, platform, sys, sysconfig
print(json.dumps({"version": platform.python_version(), "implementation": sys.implementation.name, "platform": sysconfig.get_platform(), "executable": sys.executable}))`;

const inspected = new Map<string, { mtimeMs: number; info: Interpreter }>();

/** What an interpreter is, asked of the interpreter itself (remembered until its file changes). */
export async function inspectInterpreter(path: string): Promise<Interpreter> {
  const mtimeMs = await stat(path).then(
    (s) => s.mtimeMs,
    () => -1,
  );
  const known = inspected.get(path);
  if (known && known.mtimeMs === mtimeMs) return known.info;
  const info = await askInterpreter(path);
  inspected.set(path, { mtimeMs, info });
  return info;
}

async function askInterpreter(path: string): Promise<Interpreter> {
  let out: string;
  try {
    const r = await run(path, ["-I", "-c", INSPECT]);
    if (r.code !== 0) throw new Error(r.stderr.trim());
    out = r.stdout;
  } catch (err) {
    throw new EnvError("python_not_found", `The interpreter ${path} does not run: ${(err as Error).message}`);
  }
  const info = JSON.parse(out.trim().split("\n").pop()!) as Interpreter & { executable: string };
  return { path, version: info.version, implementation: info.implementation, platform: info.platform };
}

const found = new Map<string, { at: number; path: string }>();
// Interpreters are installed rarely; a few minutes' memory saves a search on every build.
const FOUND_TTL_MS = 5 * 60 * 1000;

/** Finds the machine's Python for a version request ("3", "3.11", "3.11.7"); never downloads one. */
export async function findPython(uv: Uv, request: string): Promise<Interpreter> {
  const known = found.get(request);
  if (known && Date.now() - known.at < FOUND_TTL_MS) {
    const ok = await stat(known.path).then(
      () => true,
      () => false,
    );
    if (ok) return inspectInterpreter(known.path);
  }
  const interpreter = await searchPython(uv, request);
  found.set(request, { at: Date.now(), path: interpreter.path });
  return interpreter;
}

async function searchPython(uv: Uv, request: string): Promise<Interpreter> {
  const r = await uv.run(["python", "find", "--python-preference", "only-system", "--no-python-downloads", request]);
  const path = r.stdout.trim().split("\n").pop();
  if (r.code !== 0 || !path) {
    const found = await uv.run(["python", "list", "--only-installed", "--python-preference", "only-system"]);
    const versions = [...new Set([...found.stdout.matchAll(/^cpython-(\d+\.\d+\.\d+)/gm)].map((m) => m[1]))];
    throw new EnvError(
      "python_not_found",
      `Python ${request} is not installed on this machine (Tandem uses the machine's interpreters and never downloads one). ` +
        `Installed: ${versions.length ? versions.join(", ") : "none found"}.`,
    );
  }
  return inspectInterpreter(path);
}
