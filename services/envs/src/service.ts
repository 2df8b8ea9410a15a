import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { type Db, schema } from "@tandem/db";
import type { Environment, EnvironmentSpec, EnvironmentStatus, GcResult } from "@tandem/protocol";
import { and, desc, eq, inArray, isNotNull, max } from "drizzle-orm";
import { BuildLog } from "./build-log.ts";
import { buildLock, directorySize, MARKER, removeStaleBuilds, resolveSpec } from "./builder.ts";
import { toEnvironment } from "./environment-row.ts";
import { EnvError } from "./errors.ts";
import { GpuAllocator } from "./gpu/allocator.ts";
import { readGpuInventory } from "./gpu/inventory.ts";
import { type EnvironmentKernelspec, environmentKernelspec, kernelspecName } from "./kernelspec.ts";
import { type KernelLaunch, prepareKernelLaunch } from "./launch.ts";
import { type Lock, lockIdentity } from "./lock.ts";
import { requirementsTxtOf } from "./requirements-export.ts";
import { type Logger, locateUv, type Uv } from "./uv.ts";

type Row = typeof schema.environments.$inferSelect;

/** How to resolve a new version: keep another environment's versions where possible, except `upgrade`. */
export interface ResolveHints {
  prefer?: string;
  upgrade?: string[];
}

export interface EnvironmentServiceOptions {
  db: Db;
  /** The server's data directory: environments, the uv cache and (if needed) uv itself live under it. */
  dataDir: string;
  /** Where built environments go (default `<dataDir>/envs`). */
  envsDir?: string;
  /** The shared uv cache (default `<dataDir>/cache/uv`): rebuilding a known environment is near-instant. */
  uvCacheDir?: string;
  /** TANDEM_UV: the uv program to use. */
  uvPath?: string;
  /** A recorded `nvidia-smi` CSV to read instead of running nvidia-smi. */
  gpuInventoryFile?: string;
  /** Builds run at once (the rest queue). */
  concurrency?: number;
  log: Logger & { error(obj: object | string, msg?: string): void };
}

const CANCELLED = "The build was cancelled";

/**
 * Environment specs -> locks -> content-addressed builds, recorded in the database. Builds run in
 * the background; their logs stream while they run and are stored when they end.
 */
export class EnvironmentService {
  readonly envsDir: string;
  readonly uvCacheDir: string;
  private uvFound?: Promise<Uv>;
  private readonly live = new Map<string, BuildLog>();
  private readonly hints = new Map<string, ResolveHints>();
  private readonly builds = new Map<string, Promise<void>>();
  private readonly waiting: (() => void)[] = [];
  private active = 0;
  private closed = false;
  private readonly abort = new AbortController();
  /** Per build: aborted by `cancel` (an interrupted `%pip install`). */
  private readonly cancels = new Map<string, AbortController>();

  private constructor(
    private readonly options: EnvironmentServiceOptions,
    readonly gpus: GpuAllocator,
  ) {
    this.envsDir = options.envsDir ?? join(options.dataDir, "envs");
    this.uvCacheDir = options.uvCacheDir ?? join(options.dataDir, "cache", "uv");
  }

  /** Opens the service: clears half-built directories a dead process left, and resumes unfinished builds. */
  static async open(options: EnvironmentServiceOptions): Promise<EnvironmentService> {
    const gpus = new GpuAllocator(await readGpuInventory({ file: options.gpuInventoryFile }));
    const service = new EnvironmentService(options, gpus);
    // Scratch space of resolutions a dead process left (nothing resolves before open returns).
    await rm(join(service.envsDir, ".work"), { recursive: true, force: true });
    const stale = await removeStaleBuilds(service.envsDir);
    if (stale.length) options.log.warn({ stale }, "removed half-built environments left by an earlier process");
    const unfinished = await options.db
      .select()
      .from(schema.environments)
      .where(inArray(schema.environments.status, ["queued", "resolving", "building"]));
    for (const row of unfinished) service.enqueue(row.id);
    return service;
  }

  /** uv, found (or installed) on first need. */
  uv(): Promise<Uv> {
    this.uvFound ??= locateUv({
      explicit: this.options.uvPath,
      dataDir: this.options.dataDir,
      cacheDir: this.uvCacheDir,
      log: this.options.log,
    }).then((uv) => {
      this.options.log.info({ uv: uv.command, version: uv.version, source: uv.source }, "using uv");
      return uv;
    });
    this.uvFound.catch(() => (this.uvFound = undefined));
    return this.uvFound;
  }

  /**
   * Records a spec as the next version of its name and queues its build. `hints.prefer` names an
   * environment whose locked versions the resolution keeps where it can (`%pip install` changes only
   * what it must); `hints.upgrade` lists packages free to move past them.
   */
  async create(spec: EnvironmentSpec, createdBy: string | null, hints?: ResolveHints): Promise<Environment> {
    const db = this.options.db;
    // A new version of a name is the next number; a unique index settles two creators racing.
    for (let attempt = 0; ; attempt++) {
      const [{ last }] = (await db
        .select({ last: max(schema.environments.version) })
        .from(schema.environments)
        .where(eq(schema.environments.name, spec.name))) as [{ last: number | null }];
      const inserted = await db
        .insert(schema.environments)
        .values({ name: spec.name, version: (last ?? 0) + 1, spec, status: "queued", createdBy })
        .onConflictDoNothing()
        .returning();
      if (inserted[0]) {
        if (hints) this.hints.set(inserted[0].id, hints);
        this.enqueue(inserted[0].id);
        return toEnvironment(inserted[0]);
      }
      if (attempt > 5) throw new Error("could not allocate an environment version");
    }
  }

  async list(): Promise<Environment[]> {
    const rows = await this.options.db
      .select()
      .from(schema.environments)
      .orderBy(schema.environments.name, desc(schema.environments.version));
    return rows.map((r) => toEnvironment(r));
  }

  async get(id: string): Promise<Environment | null> {
    const row = await this.row(id);
    return row ? toEnvironment(row) : null;
  }

  /** Rebuilds a failed environment, or one whose directory is gone (from its stored lock, so it is the same). */
  async build(id: string): Promise<Environment | null> {
    const row = await this.row(id);
    if (!row) return null;
    const busy = this.builds.has(id);
    const present = row.status === "ready" && row.identity && existsSync(join(this.envsDir, row.identity, MARKER));
    if (!busy && !present) {
      await this.setStatus(id, "queued", { error: null });
      this.enqueue(id);
    }
    return this.get(id);
  }

  /** Forgets an environment version; its directory stays until `gc()` finds nothing else uses it. */
  async delete(id: string): Promise<boolean> {
    if (this.builds.has(id))
      throw new EnvError("busy", "The environment is being built; delete it once the build ends");
    const rows = await this.options.db.delete(schema.environments).where(eq(schema.environments.id, id)).returning();
    return rows.length > 0;
  }

  /**
   * Stops a queued or running build: uv is killed, the half-built directory removed, and the version
   * ends `failed` saying it was cancelled. False when no build of it is under way.
   */
  cancel(id: string): boolean {
    const c = this.cancels.get(id);
    if (!c) return false;
    c.abort();
    return true;
  }

  /** Removes built directories that no environment version references any more. */
  async gc(): Promise<GcResult> {
    await removeStaleBuilds(this.envsDir);
    const used = new Set(
      (
        await this.options.db
          .select({ identity: schema.environments.identity })
          .from(schema.environments)
          .where(isNotNull(schema.environments.identity))
      ).map((r) => r.identity!),
    );
    const removed: string[] = [];
    let freedBytes = 0;
    if (!existsSync(this.envsDir)) return { removed, freedBytes };
    for (const name of await readdir(this.envsDir)) {
      if (name.startsWith(".") || used.has(name) || !existsSync(join(this.envsDir, name, MARKER))) continue;
      freedBytes += await directorySize(join(this.envsDir, name));
      await rm(join(this.envsDir, name), { recursive: true, force: true });
      removed.push(name);
    }
    return { removed, freedBytes };
  }

  /** The live log while a build runs, otherwise the stored one. */
  async logs(id: string): Promise<BuildLog | string | null> {
    const live = this.live.get(id);
    if (live) return live;
    const [row] = await this.options.db
      .select({ log: schema.environments.log })
      .from(schema.environments)
      .where(eq(schema.environments.id, id))
      .limit(1);
    return row ? row.log : null;
  }

  /** The lock as a requirements.txt with hashes (null until resolved). */
  async requirementsTxt(id: string): Promise<string | null> {
    const row = await this.row(id);
    return row ? requirementsTxtOf(row) : null;
  }

  /** Every ready environment as a kernelspec (for the kernel gateway's discovery). */
  async kernelspecs(): Promise<EnvironmentKernelspec[]> {
    const rows = await this.options.db
      .select()
      .from(schema.environments)
      .where(and(eq(schema.environments.status, "ready"), isNotNull(schema.environments.identity)));
    return rows
      .filter((r) => existsSync(join(this.envsDir, r.identity!, MARKER)))
      .map((r) => {
        const lock = r.lock as Lock;
        const spec = r.spec as EnvironmentSpec;
        return environmentKernelspec({
          id: r.id,
          name: r.name,
          version: r.version,
          identity: r.identity!,
          path: join(this.envsDir, r.identity!),
          python: lock.python.version,
          gpu: spec.gpu ?? null,
        });
      });
  }

  /** The kernelspec of one environment, if it is ready. */
  async kernelspec(id: string): Promise<EnvironmentKernelspec | null> {
    return (await this.kernelspecs()).find((k) => k.spec.metadata.tandem.environmentId === id) ?? null;
  }

  /**
   * The kernel gateway's launch hook: for a kernelspec that is a Tandem environment, the variables to
   * add and the GPUs given (waiting in the visible queue if needed); null for any other kernelspec.
   */
  async prepareLaunch(kernelspecName: string, options: { signal?: AbortSignal } = {}): Promise<KernelLaunch | null> {
    const ks = (await this.kernelspecs()).find((k) => k.name === kernelspecName);
    return ks ? prepareKernelLaunch(this.gpus, ks, options) : null;
  }

  /** The kernel gateway's kernelspec source: ready environments, in the gateway's shape. */
  kernelspecSource() {
    return async () => (await this.kernelspecs()).map((k) => ({ name: k.name, ...k.spec, resourceDir: undefined }));
  }

  /** The kernel gateway's launch hook: an environment's variables and GPUs, given back when the kernel ends. */
  kernelLaunchHook() {
    return async (ctx: { spec: { name: string } }) => {
      const launch = await this.prepareLaunch(ctx.spec.name);
      return launch && { env: launch.env, record: launch.record, release: () => launch.release() };
    };
  }

  /** Resolves when the environment's current build (if any) has ended. */
  async settled(id: string): Promise<Environment | null> {
    await this.builds.get(id);
    return this.get(id);
  }

  /** Stops running builds (their half-built directories are removed) and waits for them to end. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    this.waiting.length = 0;
    await Promise.allSettled([...this.builds.values()]);
  }

  private async row(id: string): Promise<Row | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const [row] = await this.options.db
      .select()
      .from(schema.environments)
      .where(eq(schema.environments.id, id))
      .limit(1);
    return row;
  }

  private async setStatus(id: string, status: EnvironmentStatus, extra: Partial<Row> = {}) {
    await this.options.db
      .update(schema.environments)
      .set({ status, ...extra })
      .where(eq(schema.environments.id, id));
  }

  private enqueue(id: string) {
    if (this.builds.has(id) || this.closed) return;
    const log = new BuildLog();
    this.live.set(id, log);
    const cancel = new AbortController();
    this.cancels.set(id, cancel);
    const build = (async () => {
      await this.slot();
      try {
        await this.runBuild(id, log, cancel.signal);
      } finally {
        this.active--;
        this.waiting.shift()?.();
      }
    })()
      .catch((err) => this.options.log.error({ err, environmentId: id }, "environment build crashed"))
      .finally(() => {
        this.builds.delete(id);
        this.cancels.delete(id);
        this.live.delete(id);
        log.close();
      });
    this.builds.set(id, build);
  }

  private async slot() {
    const limit = Math.max(1, this.options.concurrency ?? 1);
    if (this.active < limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
  }

  private async runBuild(id: string, log: BuildLog, cancelled: AbortSignal) {
    const row = await this.row(id);
    if (!row || this.closed) return;
    if (cancelled.aborted) {
      await this.setStatus(id, "failed", { error: CANCELLED, log: log.content });
      return;
    }
    const spec = row.spec as EnvironmentSpec;
    const say = (line: string) => log.append(line);
    const workDir = join(this.envsDir, ".work", id);
    const started = Date.now();
    try {
      const found = await this.uv();
      // Closing the server kills uv mid-build; the half-built directory is removed and the build resumes next start.
      const signal = AbortSignal.any([this.abort.signal, cancelled]);
      const uv: Uv = { ...found, run: (args, o = {}) => found.run(args, { ...o, signal }) };
      say(`uv ${found.version} (${found.source}); cache ${found.cacheDir}`);
      let lock = row.lock as Lock | null;
      if (lock) {
        say(`building from the stored lock (${lock.packages.length} packages)`);
      } else {
        await this.setStatus(id, "resolving");
        const hints = this.hints.get(id);
        const preferred = hints?.prefer ? ((await this.row(hints.prefer))?.lock as Lock | null) : null;
        lock = await resolveSpec(uv, spec, workDir, say, {
          prefer: preferred?.packages,
          upgrade: hints?.upgrade,
        });
      }
      const identity = lockIdentity(lock);
      say(`identity ${identity}`);
      await this.setStatus(id, "building", { identity, lock });
      const built = await buildLock(uv, this.envsDir, lock, spec, say);
      say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      await this.setStatus(id, "ready", {
        sizeBytes: built.sizeBytes,
        builtAt: new Date(),
        error: null,
        log: log.content,
      });
      this.options.log.info({ environmentId: id, identity, reused: built.reused }, "environment ready");
    } catch (err) {
      const message = cancelled.aborted
        ? CANCELLED
        : err instanceof EnvError
          ? err.message
          : `Unexpected failure: ${(err as Error).message}`;
      if (this.closed) {
        say("interrupted: the server is stopping; the build resumes at the next start");
        return;
      }
      say(`FAILED: ${message}`);
      await this.setStatus(id, "failed", { error: message, log: log.content }).catch(() => {});
      if (!(err instanceof EnvError) && !cancelled.aborted)
        this.options.log.error({ err, environmentId: id }, "environment build failed");
    } finally {
      this.hints.delete(id);
      await rm(workDir, { recursive: true, force: true });
    }
  }
}
