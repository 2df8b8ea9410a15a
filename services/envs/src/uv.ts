import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { EnvError } from "./errors.ts";
import { type RunOptions, type RunResult, run } from "./process.ts";

export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
}

/** How to invoke uv on this machine: a program plus leading arguments (`python3 -m uv`). */
export interface Uv {
  command: string;
  prefix: string[];
  version: string;
  /** Where it came from, for logs: env, path, python-module, data-dir, installed. */
  source: string;
  cacheDir: string;
  run(args: string[], options?: RunOptions): Promise<RunResult>;
}

export interface LocateUvOptions {
  /** TANDEM_UV, when set. */
  explicit?: string;
  /** uv is installed under `<dataDir>/tools/uv` when nothing else provides it. */
  dataDir: string;
  cacheDir: string;
  python?: string;
  /** The PATH to search (default: the server's). */
  searchPath?: string;
  log?: Logger;
}

/** The environment every uv call gets: machine Python only, no downloads, no server secrets. */
export function uvEnv(cacheDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep = [
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "PYENV_VERSION",
    "PYENV_ROOT",
  ];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  return {
    ...env,
    UV_CACHE_DIR: cacheDir,
    UV_PYTHON_PREFERENCE: "only-system",
    UV_PYTHON_DOWNLOADS: "never",
    UV_NO_PROGRESS: "1",
    NO_COLOR: "1",
    ...extra,
  };
}

async function probe(command: string, prefix: string[], cacheDir: string, path?: string): Promise<string | null> {
  try {
    const r = await run(command, [...prefix, "--version"], { env: uvEnv(cacheDir, path ? { PATH: path } : {}) });
    const m = /^uv (\S+)/m.exec(r.stdout);
    return r.code === 0 && m ? m[1]! : null;
  } catch {
    return null;
  }
}

function make(command: string, prefix: string[], version: string, source: string, cacheDir: string): Uv {
  return {
    command,
    prefix,
    version,
    source,
    cacheDir,
    run: (args, options = {}) => run(command, [...prefix, ...args], { ...options, env: uvEnv(cacheDir, options.env) }),
  };
}

/**
 * Finds uv in this order: TANDEM_UV, `uv` on PATH, `python3 -m uv`, a copy installed earlier under
 * the data dir; else installs one there with pip (the machine has Python; that is all Tandem asks).
 */
export async function locateUv(options: LocateUvOptions): Promise<Uv> {
  const { cacheDir, log, searchPath } = options;
  const python = options.python ?? "python3";
  if (options.explicit) {
    const v = await probe(options.explicit, [], cacheDir);
    if (!v) throw new EnvError("uv_unavailable", `TANDEM_UV=${options.explicit} does not run as uv`);
    return make(options.explicit, [], v, "env", cacheDir);
  }
  let v = await probe("uv", [], cacheDir, searchPath);
  if (v) return make("uv", [], v, "path", cacheDir);
  v = await probe(python, ["-m", "uv"], cacheDir, searchPath);
  if (v) return make(python, ["-m", "uv"], v, "python-module", cacheDir);
  const target = join(options.dataDir, "tools", "uv");
  const bin = join(target, "bin", "uv");
  if (existsSync(bin)) {
    v = await probe(bin, [], cacheDir);
    if (v) return make(bin, [], v, "data-dir", cacheDir);
  }
  log?.info({ target }, "uv not found; installing it with pip (first start only)");
  await mkdir(target, { recursive: true });
  const r = await run(python, [
    "-m",
    "pip",
    "install",
    "--quiet",
    "--disable-pip-version-check",
    "--target",
    target,
    "uv",
  ]);
  v = r.code === 0 ? await probe(bin, [], cacheDir) : null;
  if (!v) {
    throw new EnvError(
      "uv_unavailable",
      `uv is needed to build environments and could not be installed with \`${python} -m pip install --target ${target} uv\`: ${r.stderr.trim().split("\n").slice(-3).join(" ")}. Install uv (https://docs.astral.sh/uv/) or set TANDEM_UV.`,
    );
  }
  log?.info({ version: v, bin }, "uv installed");
  return make(bin, [], v, "installed", cacheDir);
}
