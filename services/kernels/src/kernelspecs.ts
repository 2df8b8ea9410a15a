import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";

export interface KernelSpec {
  /** The kernelspec's name (its directory name). */
  name: string;
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "signal" | "message";
  env: Record<string, string>;
  metadata: Record<string, unknown>;
  /** The directory holding kernel.json and logos, if any (`{resource_dir}` in argv). */
  resourceDir?: string;
}

/**
 * Something that contributes kernelspecs beyond the Jupyter data paths (e.g. the environments
 * service). Called on every listing, so it should be cheap; earlier sources win on name clashes.
 */
export type KernelspecSource = () => KernelSpec[] | Promise<KernelSpec[]>;

/** Jupyter's data directories, in its precedence order (JUPYTER_PATH, user, sys.prefix, system). */
export async function jupyterDataDirs(extra: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const dirs = [...extra];
  if (env.JUPYTER_PATH) dirs.push(...env.JUPYTER_PATH.split(delimiter).filter(Boolean));
  dirs.push(env.JUPYTER_DATA_DIR ?? join(env.XDG_DATA_HOME ?? join(homedir(), ".local/share"), "jupyter"));
  const prefix = await pythonPrefix();
  if (prefix) dirs.push(join(prefix, "share/jupyter"));
  dirs.push("/usr/local/share/jupyter", "/usr/share/jupyter");
  return [...new Set(dirs)];
}

let prefixPromise: Promise<string | null> | undefined;
/** sys.prefix of the python3 on PATH (asked once: spawning Python costs ~30 ms). */
function pythonPrefix(): Promise<string | null> {
  prefixPromise ??= promisify(execFile)("python3", ["-c", "import sys; print(sys.prefix)"], { timeout: 5000 })
    .then((r) => r.stdout.trim() || null)
    .catch(() => null);
  return prefixPromise;
}

function normalize(name: string, raw: Record<string, unknown>, resourceDir?: string): KernelSpec | null {
  if (!Array.isArray(raw.argv) || raw.argv.length === 0 || !raw.argv.every((a) => typeof a === "string")) return null;
  return {
    name,
    argv: raw.argv as string[],
    display_name: typeof raw.display_name === "string" ? raw.display_name : name,
    language: typeof raw.language === "string" ? raw.language : "",
    interrupt_mode: raw.interrupt_mode === "message" ? "message" : "signal",
    env: Object.fromEntries(
      Object.entries((raw.env as Record<string, unknown>) ?? {}).filter(([, v]) => typeof v === "string"),
    ) as Record<string, string>,
    metadata: (raw.metadata as Record<string, unknown>) ?? {},
    resourceDir,
  };
}

/** Reads `<dir>/kernels/<name>/kernel.json` for every data directory; first directory wins. */
export async function findKernelspecs(dataDirs: string[]): Promise<KernelSpec[]> {
  const found = new Map<string, KernelSpec>();
  for (const dir of dataDirs) {
    const kernelsDir = join(dir, "kernels");
    let names: string[];
    try {
      names = await readdir(kernelsDir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const key = name.toLowerCase();
      if (found.has(key)) continue;
      try {
        const raw = JSON.parse(await readFile(join(kernelsDir, name, "kernel.json"), "utf8"));
        const spec = normalize(key, raw, join(kernelsDir, name));
        if (spec) found.set(key, spec);
      } catch {
        // Not a kernelspec (or unreadable): Jupyter skips these too.
      }
    }
  }
  return [...found.values()];
}

export class Kernelspecs {
  private readonly sources: KernelspecSource[] = [];
  private preparing: Promise<void> | undefined;

  constructor(
    private readonly extraDirs: string[],
    private readonly defaultName: string | undefined,
  ) {}

  register(source: KernelspecSource): () => void {
    this.sources.push(source);
    return () => {
      const i = this.sources.indexOf(source);
      if (i >= 0) this.sources.splice(i, 1);
    };
  }

  /**
   * While `ready` is pending (the default environment building at first start), a lookup that finds
   * no kernelspec at all waits for it instead of failing: a run, an execute request or a Jupyter client
   * asking for the default kernel then gets it once built.
   */
  prepareWhile(ready: Promise<unknown>): void {
    const pending: Promise<void> = ready.then(
      () => {},
      () => {},
    );
    this.preparing = pending;
    void pending.then(() => {
      if (this.preparing === pending) this.preparing = undefined;
    });
  }

  /** Whether lookups may be waiting on a kernelspec being prepared. */
  get isPreparing(): boolean {
    return this.preparing !== undefined;
  }

  /** `wait: false` answers at once, for what decides whether anything needs preparing. */
  async list({ wait = true }: { wait?: boolean } = {}): Promise<KernelSpec[]> {
    const found = await this.listNow();
    if (found.length > 0 || !this.preparing || !wait) return found;
    await this.preparing;
    return this.listNow();
  }

  private async listNow(): Promise<KernelSpec[]> {
    const byName = new Map<string, KernelSpec>();
    for (const source of this.sources) {
      for (const spec of await source()) if (!byName.has(spec.name)) byName.set(spec.name, spec);
    }
    for (const spec of await findKernelspecs(await jupyterDataDirs(this.extraDirs))) {
      if (!byName.has(spec.name)) byName.set(spec.name, spec);
    }
    return [...byName.values()];
  }

  async get(name: string): Promise<KernelSpec | undefined> {
    return (await this.list()).find((s) => s.name === name.toLowerCase());
  }

  /** The configured default, else python3, else the first Python kernel, else the first. */
  async defaultSpec(): Promise<KernelSpec | undefined> {
    const specs = await this.list();
    return (
      (this.defaultName && specs.find((s) => s.name === this.defaultName)) ||
      specs.find((s) => s.name === "python3") ||
      specs.find((s) => s.language.toLowerCase() === "python") ||
      specs[0]
    );
  }
}
