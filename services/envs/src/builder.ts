import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import type { EnvironmentSpec, LockedPackage } from "@tandem/protocol";
import { EnvError } from "./errors.ts";
import { type Lock, lockIdentity, lockOf, packagesToInstall, parseCompiled, renderRequirements } from "./lock.ts";
import { run } from "./process.ts";
import { findPython, inspectInterpreter } from "./python.ts";
import type { Uv } from "./uv.ts";

/** Written last into a built environment; its presence means "complete". */
export const MARKER = "tandem-environment.json";
/** Prefix of directories being built; never used, removed when a build ends or at start-up. */
export const BUILDING_PREFIX = ".building-";

export type LogLine = (line: string) => void;

/** uv's command-line options for the spec's indexes. */
export function indexArgs(spec: EnvironmentSpec): string[] {
  const ix = spec.indexes;
  if (!ix) return [];
  return [
    ...(ix.url ? ["--index-url", ix.url] : []),
    ...(ix.extra ?? []).flatMap((u) => ["--extra-index-url", u]),
    ...(ix.findLinks ?? []).flatMap((u) => ["--find-links", u]),
    ...(ix.noIndex ? ["--no-index"] : []),
  ];
}

/** The requirement lines a spec asks for, plus ipykernel (every environment is a kernel). */
export function requirementLines(spec: EnvironmentSpec): string[] {
  const fromTxt = (spec.requirementsTxt ?? "")
    .split(/\r?\n/)
    .map((l) => l.replace(/(^|\s)#.*$/, "").trim())
    .filter(Boolean);
  for (const l of fromTxt) {
    if (l.startsWith("-")) {
      throw new EnvError(
        "invalid_spec",
        `requirementsTxt: option lines such as "${l}" are not allowed; use the spec's indexes`,
      );
    }
  }
  const lines = [...spec.requirements, ...fromTxt];
  const named = (l: string) =>
    /^([A-Za-z0-9][A-Za-z0-9._-]*)/
      .exec(l)?.[1]
      ?.toLowerCase()
      .replace(/[-_.]+/g, "-");
  if (!lines.some((l) => named(l) === "ipykernel")) lines.push("ipykernel");
  return lines;
}

/** Turns uv's error output into one clear message and a code. */
export function explainUvFailure(stderr: string, what: string): EnvError {
  const lines = stderr.split(/\r?\n/);
  const start = lines.findIndex((l) => /^error:/.test(l));
  const relevant = (start >= 0 ? lines.slice(start) : lines.filter((l) => !/^warning:|^\s*$/.test(l)).slice(-8))
    .map((l) => l.trim())
    .filter((l) => l && !/^\[stderr\]|^pyenv:|^Note:/.test(l));
  const detail = relevant.join(" ").replace(/\s+/g, " ").slice(0, 2000) || "uv failed without saying why";
  if (/No solution found|unsatisfiable|not found in the (package registry|provided package locations)/i.test(stderr)) {
    return new EnvError("unresolvable", `The requirements cannot be resolved: ${detail}`);
  }
  if (
    /Failed to fetch|error sending request|tcp connect error|dns error|Connection refused|timed out|Could not connect/i.test(
      stderr,
    )
  ) {
    return new EnvError("index_unreachable", `A package index could not be reached while ${what}: ${detail}`);
  }
  if (/No space left on device/i.test(stderr)) {
    return new EnvError("build_failed", `The disk filled up while ${what}: ${detail}`);
  }
  return new EnvError("build_failed", `uv failed while ${what}: ${detail}`);
}

/** Resolves a spec into a lock with `uv pip compile --generate-hashes`, on the machine's Python. */
export async function resolveSpec(
  uv: Uv,
  spec: EnvironmentSpec,
  workDir: string,
  log: LogLine,
  options: { prefer?: LockedPackage[]; upgrade?: string[] } = {},
): Promise<Lock> {
  await mkdir(workDir, { recursive: true });
  for (const f of spec.indexes?.findLinks ?? []) {
    if (!/^https?:\/\//.test(f) && !isAbsolute(f))
      throw new EnvError("invalid_spec", `findLinks: ${f} is neither a URL nor an absolute path`);
  }
  let base: Lock["base"] = null;
  const python = spec.base ? await inspectInterpreter(spec.base.python) : await findPython(uv, spec.python);
  log(`python: ${python.implementation} ${python.version} (${python.path}) on ${python.platform}`);
  const inputs = ["requirements.in"];
  await writeFile(join(workDir, "requirements.in"), `${requirementLines(spec).join("\n")}\n`);
  if (spec.pyproject) {
    await writeFile(join(workDir, "pyproject.toml"), spec.pyproject);
    inputs.push("pyproject.toml");
  }
  const extra: string[] = [];
  if (spec.base) {
    const frozen = await uv.run(["pip", "freeze", "--python", python.path]);
    if (frozen.code !== 0) throw explainUvFailure(frozen.stderr, "listing the base interpreter's packages");
    const packages = frozen.stdout
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => /^[A-Za-z0-9][A-Za-z0-9._-]*==\S+$/.test(l));
    base = { python: python.path, packages };
    log(`base: ${packages.length} packages inherited from ${python.path}`);
    // The resolver must keep what the base already has, so that nothing is installed twice.
    await writeFile(join(workDir, "base-constraints.txt"), `${packages.join("\n")}\n`);
    extra.push("--constraint", "base-constraints.txt");
  }
  // uv prefers the versions already in its output file: a new version of a spec moves only what it must.
  if (options.prefer?.length) {
    await writeFile(join(workDir, "requirements.lock"), renderRequirements(options.prefer));
    log(`keeping the ${options.prefer.length} locked versions where the new requirements allow`);
  }
  for (const name of options.upgrade ?? []) extra.push("--upgrade-package", name);
  log(`$ uv pip compile ${inputs.join(" ")} --generate-hashes`);
  const r = await uv.run(
    [
      "pip",
      "compile",
      ...inputs,
      ...extra,
      "--generate-hashes",
      "--emit-index-annotation",
      "--no-header",
      "--quiet",
      "--python",
      python.path,
      "--python-preference",
      "only-system",
      ...indexArgs(spec),
      ...(spec.snapshot ? ["--exclude-newer", spec.snapshot] : []),
      "--output-file",
      "requirements.lock",
    ],
    { cwd: workDir, onLine: log },
  );
  if (r.code !== 0) throw explainUvFailure(r.stderr, "resolving");
  const packages = parseCompiled(await readFile(join(workDir, "requirements.lock"), "utf8"));
  log(`resolved ${packages.length} packages`);
  return lockOf(packages, python, base);
}

/** Disk space a directory takes: `du -sk` (fast on environments of tens of thousands of files), else a walk. */
export async function directorySize(dir: string): Promise<number> {
  try {
    const r = await run("du", ["-sk", dir]);
    const kib = Number(/^(\d+)/.exec(r.stdout)?.[1]);
    if (r.code === 0 && Number.isFinite(kib)) return kib * 1024;
  } catch {
    // no du on this machine: walk
  }
  return walkSize(dir);
}

async function walkSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += await walkSize(p);
    else total += (await lstat(p)).size;
  }
  return total;
}

export interface BuiltEnvironment {
  identity: string;
  path: string;
  sizeBytes: number;
  /** True when the directory already existed (another version with the same lock built it). */
  reused: boolean;
}

const building = new Map<string, Promise<BuiltEnvironment>>();

/**
 * Installs a lock into `<envsDir>/<identity>`: built aside in a `.building-*` directory and renamed
 * into place only once complete and checked, so a half-built environment is never seen. The same
 * identity is never built twice at once in this process.
 */
export function buildLock(
  uv: Uv,
  envsDir: string,
  lock: Lock,
  spec: EnvironmentSpec,
  log: LogLine,
): Promise<BuiltEnvironment> {
  const identity = lockIdentity(lock);
  const pending = building.get(identity);
  if (pending) {
    log(`waiting for the build of ${identity} already under way`);
    return pending.then((b) => ({ ...b, reused: true }));
  }
  const build = doBuild(uv, envsDir, lock, identity, spec, log).finally(() => building.delete(identity));
  building.set(identity, build);
  return build;
}

async function doBuild(
  uv: Uv,
  envsDir: string,
  lock: Lock,
  identity: string,
  spec: EnvironmentSpec,
  log: LogLine,
): Promise<BuiltEnvironment> {
  const final = join(envsDir, identity);
  if (existsSync(join(final, MARKER))) {
    log(`environment ${identity} is already built; reusing it`);
    return { identity, path: final, sizeBytes: await directorySize(final), reused: true };
  }
  await mkdir(envsDir, { recursive: true });
  const aside = join(envsDir, `${BUILDING_PREFIX}${identity}-${randomBytes(4).toString("hex")}`);
  try {
    log(`$ uv venv --relocatable${lock.base ? " --system-site-packages" : ""} (building aside in ${aside})`);
    const venv = await uv.run(
      [
        "venv",
        "--quiet",
        "--relocatable",
        "--python",
        lock.python.path,
        "--python-preference",
        "only-system",
        ...(lock.base ? ["--system-site-packages"] : []),
        aside,
      ],
      { cwd: envsDir, onLine: log },
    );
    if (venv.code !== 0) throw explainUvFailure(venv.stderr, "creating the virtual environment");
    const install = packagesToInstall(lock);
    const lockFile = join(aside, "requirements.lock");
    await writeFile(lockFile, renderRequirements(install));
    const py = join(aside, "bin", "python");
    // A plain environment is synced exactly to the lock; on a base, the lock's extras go on top.
    // Bytecode is compiled now: the directory is immutable (and may not be writable by the kernel's user),
    // so otherwise every kernel start compiles ipykernel's imports again (about half its start-up).
    const args = lock.base
      ? ["pip", "install", "--require-hashes", "--no-deps", "--compile-bytecode", "-r", lockFile]
      : ["pip", "sync", "--require-hashes", "--compile-bytecode", lockFile];
    log(`$ uv ${args.slice(0, 3).join(" ")} (${install.length} packages)`);
    if (install.length) {
      const r = await uv.run([...args, "--python", py, "--python-preference", "only-system", ...indexArgs(spec)], {
        cwd: envsDir,
        onLine: log,
      });
      if (r.code !== 0) throw explainUvFailure(r.stderr, "installing");
    }
    // The interpreter runs and finds ipykernel (found, not imported: importing it costs a third of a second).
    const findKernel = "import importlib.util, sys; sys.exit(importlib.util.find_spec('ipykernel_launcher') is None)";
    const [check, sizeBytes] = await Promise.all([
      run(py, ["-c", findKernel], { env: { PATH: process.env.PATH, PYTHONNOUSERSITE: "1" } }),
      directorySize(aside),
    ]);
    if (check.code !== 0) {
      const why = check.stderr.trim().split("\n").pop() || "ipykernel_launcher not found";
      throw new EnvError("build_failed", `The built environment has no working ipykernel: ${why}`);
    }
    await writeFile(
      join(aside, MARKER),
      `${JSON.stringify({ identity, lock, builtAt: new Date().toISOString() }, null, 2)}\n`,
    );
    try {
      await rename(aside, final);
    } catch (err) {
      // Another process renamed the same identity into place first: theirs is as good as ours.
      if (!existsSync(join(final, MARKER))) throw err;
      await rm(aside, { recursive: true, force: true });
      return { identity, path: final, sizeBytes: await directorySize(final), reused: true };
    }
    log(`built ${identity} (${(sizeBytes / 1e6).toFixed(1)} MB)`);
    return { identity, path: final, sizeBytes, reused: false };
  } catch (err) {
    await rm(aside, { recursive: true, force: true });
    if (err instanceof EnvError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ENOSPC") throw new EnvError("build_failed", `The disk filled up while building: ${e.message}`);
    throw new EnvError("build_failed", `Building failed: ${e.message}`);
  }
}

/** Removes `.building-*` directories left by a process that died mid-build (never one building here). */
export async function removeStaleBuilds(envsDir: string): Promise<string[]> {
  if (!existsSync(envsDir)) return [];
  const stale = (await readdir(envsDir)).filter(
    (n) => n.startsWith(BUILDING_PREFIX) && !building.has(n.slice(BUILDING_PREFIX.length, -9)),
  );
  for (const n of stale) await rm(join(envsDir, n), { recursive: true, force: true });
  return stale;
}
