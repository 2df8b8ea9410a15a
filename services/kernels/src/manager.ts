import { chown, mkdir } from "node:fs/promises";
import type { Launcher } from "@tandem/launcher";
import type { Logger } from "pino";
import { kernelBaseEnv } from "./environment.ts";
import { noSuchKernelspec } from "./errors.ts";
import { Kernel } from "./kernel.ts";
import type { KernelTimings, ProcessPlan } from "./kernel-process.ts";
import type { KernelSpec, Kernelspecs } from "./kernelspecs.ts";
import { SANDBOX_HOME, type SandboxOptions } from "./sandbox.ts";

/**
 * Every kernel runs in UTF-8 whatever the host's locale (a host in Latin-2 must not change what
 * open() or print() do); recorded with every execution beside the environment.
 */
export const FIXED_LOCALE = { PYTHONUTF8: "1", LC_ALL: "C.UTF-8", LANG: "C.UTF-8" } as const;

import {
  identityEnv,
  type KernelIdentity,
  type LaunchContext,
  type LaunchContribution,
  type PrepareLaunch,
} from "./launch.ts";

/** Who a kernel belongs to: the person who started it, and its notebook when it is one's kernel. */
export interface KernelOwner {
  user: { id: string; email?: string; name?: string };
  notebookId?: string;
  projectId?: string;
}

/** Mints the scoped API token a kernel gets (TANDEM_API_TOKEN); revoked when the kernel ends. */
export type MintToken = (req: {
  userId: string;
  projectId?: string;
  name: string;
}) => Promise<{ token: string; revoke(): Promise<void> } | undefined>;

export interface ManagerOptions {
  specs: Kernelspecs;
  runtimeDir: string;
  /** Where kernels run: `<workDir>/<projectId>` for a notebook's kernel, `<workDir>/default` otherwise. */
  workDir: string;
  timings: KernelTimings;
  log: Logger;
  /** Pre-started kernels kept per kernelspec (Python kernels only), so a start is immediate. */
  poolSize: number;
  /** Shut down a kernel idle (and unwatched) this long; 0 keeps kernels until asked. */
  idleTimeoutMs: number;
  hooks: PrepareLaunch[];
  mintToken?: MintToken;
  apiUrl?: string;
  /** Run kernels as this OS user. */
  runAs?: { uid: number; gid: number };
  /** Run kernels in a bubblewrap sandbox (TANDEM_KERNEL_ISOLATION=sandbox). */
  sandbox?: SandboxOptions;
  /** Starts kernel processes (local child processes, or elsewhere). */
  launcher: Launcher;
}

interface Record_ {
  kernel: Kernel;
  owner: KernelOwner;
  token?: { token: string; revoke(): Promise<void> };
}

export class KernelManager {
  private readonly kernels = new Map<string, Record_>();
  private readonly pool = new Map<string, Kernel[]>();
  private readonly filling = new Map<string, Promise<void>>();
  private readonly unpoolable = new Set<string>();
  /** A sandboxed pooled kernel's project: its working dir is mounted at start, so the pool is per project. */
  private readonly poolProject = new Map<string, string | undefined>();
  private culling?: Promise<void>;
  private readonly cull?: NodeJS.Timeout;
  private closed = false;
  /** Says whether a kernel still has work queued (the executor's queue), so it is not culled. */
  hasPendingWork: (kernelId: string) => boolean = () => false;
  /** Told when a kernel is shut down for good (so its sockets, sessions and runner go too). */
  onShutdown: (kernel: Kernel) => void | Promise<void> = () => {};

  constructor(private readonly o: ManagerOptions) {
    if (o.idleTimeoutMs > 0) {
      this.cull = setInterval(
        () => {
          this.culling ??= this.cullIdle().finally(() => (this.culling = undefined));
        },
        Math.min(o.idleTimeoutMs / 2, 30_000),
      );
      this.cull.unref();
    }
  }

  get(id: string): Kernel | undefined {
    return this.kernels.get(id)?.kernel;
  }

  pooledCount(): number {
    return [...this.pool.values()].reduce((n, l) => n + l.length, 0);
  }

  /** Whether a kernelspec of that name exists now. */
  async hasSpec(name: string): Promise<boolean> {
    return (await this.o.specs.get(name)) !== undefined;
  }

  ownerOf(id: string): KernelOwner | undefined {
    return this.kernels.get(id)?.owner;
  }

  list(): { kernel: Kernel; owner: KernelOwner }[] {
    return [...this.kernels.values()].map(({ kernel, owner }) => ({ kernel, owner }));
  }

  private cwdFor(owner?: Pick<KernelOwner, "projectId">) {
    return `${this.o.workDir}/${owner?.projectId ?? "default"}`;
  }

  /** Pooled kernels fit any owner, or in a sandbox only owners of the project whose dir they mounted. */
  private poolKey(spec: KernelSpec, projectId: string | undefined) {
    return this.o.sandbox ? `${spec.name}\0${projectId ?? ""}` : spec.name;
  }

  private launchContext(kernel: Kernel, owner?: KernelOwner): LaunchContext {
    return {
      kernelId: kernel.id,
      spec: kernel.spec,
      notebookId: owner?.notebookId,
      projectId: owner?.projectId,
      userId: owner?.user.id,
      cwd: this.cwdFor(owner),
    };
  }

  private async contributions(ctx: LaunchContext): Promise<LaunchContribution[]> {
    const out: LaunchContribution[] = [];
    try {
      for (const hook of this.o.hooks) {
        const c = await hook(ctx);
        if (c) out.push(c);
      }
    } catch (err) {
      for (const c of out) await c.release?.();
      throw err;
    }
    return out;
  }

  private identity(rec: Record_): KernelIdentity {
    return {
      notebookId: rec.owner.notebookId,
      projectId: rec.owner.projectId,
      user: rec.owner.user,
      apiUrl: this.o.apiUrl,
      token: rec.token?.token,
    };
  }

  /** The process plan (kernels always run with FIXED_LOCALE, whatever the host's): safe base env < kernelspec env < hooks < Tandem's identity variables. */
  private async plan(kernel: Kernel): Promise<ProcessPlan> {
    const rec = this.kernels.get(kernel.id);
    const projectId = rec ? rec.owner.projectId : this.poolProject.get(kernel.id);
    const cwd = this.cwdFor({ projectId });
    await mkdir(cwd, { recursive: true });
    if (this.o.runAs) await chown(cwd, this.o.runAs.uid, this.o.runAs.gid);
    // A sandboxed kernel's home persists per project (never shared: a cache is code another kernel would load).
    const home = this.o.sandbox?.homesDir && `${this.o.sandbox.homesDir}/${projectId ?? "default"}`;
    if (home) {
      await mkdir(home, { recursive: true, mode: 0o700 });
      if (this.o.runAs) await chown(home, this.o.runAs.uid, this.o.runAs.gid);
    }
    const contributions = rec ? await this.contributions(this.launchContext(kernel, rec.owner)) : [];
    const env: Record<string, string> = {
      ...kernelBaseEnv(),
      // In a sandbox the server's home is not there: the project's kernel home is.
      ...(this.o.sandbox ? { HOME: home ? SANDBOX_HOME : "/tmp", TMPDIR: "/tmp" } : {}),
      ...kernel.spec.env,
      PYTHONUNBUFFERED: "1",
      ...FIXED_LOCALE,
    };
    // ipykernel exits when this process goes (even SIGKILLed), so no kernel outlives its server; in a
    // sandbox the server's pid is not visible and bubblewrap's --die-with-parent does this instead.
    if (!this.o.sandbox) env.JPY_PARENT_PID = String(process.pid);
    for (const c of contributions) Object.assign(env, c.env, c.runtimeEnv);
    if (rec) Object.assign(env, identityEnv(this.identity(rec)));
    const argv = contributions.findLast((c) => c.argv)?.argv;
    const wrapper = contributions.findLast((c) => c.wrapper)?.wrapper;
    return {
      env,
      cwd,
      argv,
      wrapper,
      uid: this.o.runAs?.uid,
      gid: this.o.runAs?.gid,
      sandbox: this.o.sandbox,
      home: home || undefined,
      release: async () => {
        for (const c of contributions) await c.release?.();
      },
      record: Object.assign({ locale: FIXED_LOCALE }, ...contributions.map((c) => c.record ?? {})),
    };
  }

  private newKernel(spec: KernelSpec): Kernel {
    return new Kernel(spec, (k) => this.plan(k), this.o.launcher, this.o.runtimeDir, this.o.timings, this.o.log);
  }

  /** Starts a kernel (from the warm pool when one fits) for `owner`. */
  async start(specName: string | undefined, owner: KernelOwner): Promise<Kernel> {
    if (this.closed) throw new Error("The kernel service is shutting down");
    const spec = specName ? await this.o.specs.get(specName) : await this.o.specs.defaultSpec();
    if (!spec) throw noSuchKernelspec(specName);
    // Traversable, not listable: a kernel run as another user reaches its own file by name (a
    // sandboxed kernel gets its file mounted, and the dir stays closed).
    await mkdir(this.o.runtimeDir, { recursive: true, mode: this.o.runAs && !this.o.sandbox ? 0o711 : 0o700 });
    const pooled = await this.adoptFromPool(spec, owner);
    if (pooled) return pooled;
    const kernel = this.newKernel(spec);
    const rec: Record_ = { kernel, owner };
    this.kernels.set(kernel.id, rec);
    try {
      rec.token = await this.mint(kernel, owner);
      await kernel.start();
    } catch (err) {
      this.kernels.delete(kernel.id);
      await kernel.shutdown().catch(() => {});
      await rec.token?.revoke().catch(() => {});
      throw err;
    }
    this.fillPool(spec, owner.projectId);
    return kernel;
  }

  private mint(kernel: Kernel, owner: KernelOwner) {
    return this.o.mintToken?.({
      userId: owner.user.id,
      projectId: owner.projectId,
      name: `kernel ${kernel.id}${owner.notebookId ? ` (notebook ${owner.notebookId})` : ""}`,
    });
  }

  private fillPool(spec: KernelSpec, projectId: string | undefined) {
    if (this.o.poolSize <= 0 || this.closed || spec.language.toLowerCase() !== "python") return;
    if (this.unpoolable.has(spec.name)) return;
    const key = this.poolKey(spec, projectId);
    if (this.filling.has(key)) return;
    this.evictPools(key);
    const fill = (async () => {
      while (!this.closed && (this.pool.get(key)?.length ?? 0) < this.o.poolSize) {
        const kernel = this.newKernel(spec);
        if (this.o.sandbox) this.poolProject.set(kernel.id, projectId);
        try {
          await kernel.start();
        } catch (err) {
          this.o.log.warn({ err, kernelspec: spec.name }, "could not pre-start a kernel");
          return;
        }
        // ipykernel's first execution pays one-off costs (compiler, history): pay them now.
        await kernel
          .request("shell", kernel.message("execute_request", silentCode("pass")), 10_000)
          .catch(() => undefined);
        if (this.closed) {
          await kernel.shutdown();
          return;
        }
        const list = this.pool.get(key) ?? [];
        list.push(kernel);
        this.pool.set(key, list);
        // A pooled kernel that dies is dropped from the pool.
        kernel.once("died", () => {
          const l = this.pool.get(key);
          if (l?.includes(kernel)) l.splice(l.indexOf(kernel), 1);
        });
      }
    })().finally(() => this.filling.delete(key));
    this.filling.set(key, fill);
  }

  /** Per-project pools (sandbox) are kept for the few projects used last, not for every project ever. */
  private evictPools(used: string) {
    const list = this.pool.get(used);
    this.pool.delete(used);
    this.pool.set(used, list ?? []);
    const keys = [...this.pool.keys()];
    for (const key of keys.slice(0, Math.max(0, keys.length - MAX_POOLS))) {
      if (this.filling.has(key)) continue;
      for (const k of this.pool.get(key) ?? []) void k.shutdown();
      this.pool.delete(key);
    }
  }

  /**
   * Takes a pre-started kernel and gives it the owner's identity: environment and working
   * directory set in the interpreter before any user code runs. Hooks that replace argv need a
   * process of their own, so they get a fresh kernel.
   */
  private async adoptFromPool(spec: KernelSpec, owner: KernelOwner): Promise<Kernel | undefined> {
    const list = this.pool.get(this.poolKey(spec, owner.projectId));
    const kernel = list?.shift();
    if (!kernel) return undefined;
    this.poolProject.delete(kernel.id);
    this.fillPool(spec, owner.projectId);
    if (!kernel.alive || kernel.state !== "idle") {
      await kernel.shutdown();
      return undefined;
    }
    const rec: Record_ = { kernel, owner };
    this.kernels.set(kernel.id, rec);
    let contributions: LaunchContribution[] = [];
    try {
      contributions = await this.contributions(this.launchContext(kernel, owner));
      // Hook variables (PYTHONNOUSERSITE, CUDA_VISIBLE_DEVICES, ...) may be read at interpreter start:
      // unless the pooled process started with them already (its kernelspec's), such kernelspecs get
      // processes of their own, and no pool.
      const started = kernel.spec.env ?? {};
      const differs = (c: LaunchContribution) => Object.entries(c.env ?? {}).some(([k, v]) => started[k] !== v);
      if (contributions.some((c) => c.argv || differs(c))) {
        this.unpoolable.add(spec.name);
        for (const [key, l] of this.pool)
          if (key === spec.name || key.startsWith(`${spec.name}\0`)) for (const k of l.splice(0)) void k.shutdown();
        throw new Error("needs its own process");
      }
      rec.token = await this.mint(kernel, owner);
      const env: Record<string, string> = {};
      for (const c of contributions) Object.assign(env, c.runtimeEnv);
      Object.assign(env, identityEnv(this.identity(rec)));
      const cwd = this.cwdFor(owner);
      await mkdir(cwd, { recursive: true });
      const code =
        `import os as _tandem_os, json as _tandem_json\n` +
        `_tandem_os.environ.update(_tandem_json.loads(${JSON.stringify(JSON.stringify(env))}))\n` +
        `_tandem_os.chdir(${JSON.stringify(cwd)})\ndel _tandem_os, _tandem_json\n`;
      const reply = await kernel.request("shell", kernel.message("execute_request", silentCode(code)), 10_000);
      if (reply.message().content.status !== "ok") throw new Error("could not set the kernel's environment");
      kernel.adoptRelease(
        async () => {
          for (const c of contributions) await c.release?.();
        },
        Object.assign({}, ...contributions.map((c) => c.record ?? {})),
      );
      return kernel;
    } catch (err) {
      this.o.log.debug({ err, kernelId: kernel.id }, "pooled kernel not usable; starting a fresh one");
      this.kernels.delete(kernel.id);
      for (const c of contributions) await c.release?.();
      await rec.token?.revoke().catch(() => {});
      await kernel.shutdown();
      return undefined;
    }
  }

  async shutdown(id: string): Promise<boolean> {
    const rec = this.kernels.get(id);
    if (!rec) return false;
    this.kernels.delete(id);
    await this.onShutdown(rec.kernel);
    await rec.kernel.shutdown();
    await rec.token?.revoke().catch((err) => this.o.log.warn({ err }, "revoking a kernel's token failed"));
    return true;
  }

  private async cullIdle() {
    const now = Date.now();
    for (const { kernel } of [...this.kernels.values()]) {
      if (this.closed) return;
      const idleFor = now - kernel.lastActivity.getTime();
      const idle = kernel.state === "idle" || kernel.state === "dead";
      if (idle && kernel.connections === 0 && idleFor > this.o.idleTimeoutMs && !this.hasPendingWork(kernel.id)) {
        this.o.log.info({ kernelId: kernel.id, idleFor }, "shutting down an idle kernel");
        await this.shutdown(kernel.id);
      }
    }
  }

  async close() {
    this.closed = true;
    clearInterval(this.cull);
    await Promise.allSettled([...this.filling.values(), this.culling]);
    const pooled = [...this.pool.values()].flat();
    this.pool.clear();
    await Promise.allSettled([
      ...[...this.kernels.keys()].map((id) => this.shutdown(id)),
      ...pooled.map((k) => k.shutdown()),
    ]);
  }
}

/** Most kernelspec × project pools kept at once. */
const MAX_POOLS = 8;

function silentCode(code: string) {
  return { code, silent: true, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true };
}
