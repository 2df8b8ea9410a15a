import { existsSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { isAbsolute } from "node:path";
import type { Duplex } from "node:stream";
import { type Launcher, LocalLauncher } from "@tandem/launcher";
import type { Logger } from "pino";
import { Assistant, type Completion, type Inspection } from "./assist.ts";
import { KernelError } from "./errors.ts";
import { Executor } from "./executor/executor.ts";
import type { CellMagic } from "./executor/magic.ts";
import type { ExecuteRequest, ExecutionListener, OpenDoc, QueuedCell } from "./executor/types.ts";
import type { Kernel } from "./kernel.ts";
import type { KernelTimings } from "./kernel-process.ts";
import { type KernelSpec, type KernelspecSource, Kernelspecs } from "./kernelspecs.ts";
import type { PrepareLaunch } from "./launch.ts";
import { KernelManager, type KernelOwner, type MintToken } from "./manager.ts";
import type { SandboxOptions } from "./sandbox.ts";
import { type JupyterSession, Sessions } from "./sessions.ts";
import { ChannelsServer, type LiveChannel } from "./websocket.ts";

export interface KernelsOptions {
  log: Logger;
  /** Where connection files go (private to the server's user). */
  runtimeDir: string;
  /** Kernels' working directories: one per project under it. */
  workDir: string;
  /** Extra kernelspec data directories searched first (each holds `kernels/<name>/kernel.json`). */
  kernelspecDirs?: string[];
  defaultKernelspec?: string;
  kernelspecSources?: KernelspecSource[];
  prepareLaunch?: PrepareLaunch[];
  /** The live notebook document (collab's `open`). */
  openDoc: OpenDoc;
  mintToken?: MintToken;
  /** The API base URL kernels are told (TANDEM_API_URL). */
  apiUrl?: string;
  poolSize?: number;
  idleTimeoutMs?: number;
  /** Most stream characters kept per cell run. */
  streamOutputLimit?: number;
  /** Most outputs kept per cell run (default 500). */
  outputCountLimit?: number;
  /** Most bytes of rich outputs kept per cell run (default 10 MiB). */
  outputBytesLimit?: number;
  outputFlushMs?: number;
  timings?: Partial<KernelTimings>;
  /** Run kernel processes as this OS user. */
  runAs?: { uid: number; gid: number };
  /** Run kernels in a bubblewrap sandbox (absent: isolation `none`). */
  sandbox?: SandboxOptions;
  /** Takes some cells before their code reaches the kernel (`%pip install` in a Tandem environment). */
  cellMagic?: CellMagic;
  /** Starts kernel processes (default: child processes of this server). */
  launcher?: Launcher;
}

/** A kernel as the Jupyter API shows it, plus who it belongs to. */
export interface KernelInfo {
  id: string;
  name: string;
  last_activity: string;
  execution_state: string;
  connections: number;
  ownerId: string;
  notebookId?: string;
  projectId?: string;
}

export interface Kernels {
  kernelspecs: {
    list(options?: { wait?: boolean }): Promise<KernelSpec[]>;
    default(): Promise<KernelSpec | undefined>;
    get(name: string): Promise<KernelSpec | undefined>;
    /** Lookups that find no kernelspec wait for `ready` (the default environment's first build). */
    prepareWhile(ready: Promise<unknown>): void;
    /** Whether any kernelspec found (Jupyter paths included) has an interpreter that exists. */
    anyRunnable(): Promise<boolean>;
  };
  /** Lets another service (environments) contribute kernelspecs. */
  registerKernelspecSource(source: KernelspecSource): () => void;
  /** Lets another service shape kernel processes (environment variables, GPUs). */
  registerLaunchHook(hook: PrepareLaunch): () => void;

  list(): KernelInfo[];
  get(id: string): KernelInfo | undefined;
  start(specName: string | undefined, owner: KernelOwner): Promise<KernelInfo>;
  interrupt(id: string): Promise<void>;
  restart(id: string): Promise<KernelInfo>;
  shutdown(id: string): Promise<boolean>;
  /** Takes an authorized `/api/kernels/:id/channels` upgrade; `canSend` false makes a watch-only socket. */
  handleChannelsUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    kernelId: string,
    canSend: boolean,
    /** Attached to the socket for revocation checks (see `channelConnections`). */
    grant?: unknown,
  ): boolean;
  /** Every open channels socket, with the grant it was opened under. */
  channelConnections(): LiveChannel[];

  sessions: {
    list(): JupyterSession[];
    get(id: string): JupyterSession | undefined;
    findByPath(userId: string, path: string): JupyterSession | undefined;
    create(s: Omit<JupyterSession, "id">): JupyterSession;
    update(id: string, patch: Partial<Omit<JupyterSession, "id" | "userId">>): JupyterSession | undefined;
    delete(id: string): JupyterSession | undefined;
  };

  /** The notebooks' own kernels: execution into the shared document. */
  notebooks: {
    status(notebookId: string): {
      kernel: (KernelInfo & { display_name: string }) | null;
      running: string | null;
      queued: string[];
    };
    start(notebookId: string, owner: KernelOwner, specName?: string): Promise<KernelInfo>;
    /** Moves the notebook to a kernel of another kernelspec (its state is lost); starts one if none runs. */
    switchKernel(notebookId: string, owner: KernelOwner, specName: string): Promise<KernelInfo>;
    /** Queues cells; each queued cell comes with the promise of its outcome (ok, error, cancelled). */
    execute(notebookId: string, owner: KernelOwner, req: ExecuteRequest): Promise<QueuedCell[]>;
    interrupt(notebookId: string): Promise<void>;
    restart(notebookId: string, owner: KernelOwner, runAll?: boolean): Promise<KernelInfo>;
    shutdown(notebookId: string): Promise<boolean>;
    answerInput(notebookId: string, userId: string, value: string): Promise<boolean>;
    /** Tab completion from the notebook's kernel; null when it has none running. */
    complete(notebookId: string, code: string, cursorPos: number): Promise<Completion | null>;
    /** Shift+Tab help (signature and docstring); null when it has no kernel running. */
    inspect(notebookId: string, code: string, cursorPos: number, detailLevel: 0 | 1): Promise<Inspection | null>;
  };
  /** Tells `listener` about every finished notebook cell run (tracking, audit). */
  onExecution(listener: ExecutionListener): () => void;
  /** Counts for health pages and tests. */
  stats(): { running: number; pooled: number };
  close(): Promise<void>;
}

const DEFAULT_TIMINGS: KernelTimings = {
  startTimeoutMs: 60_000,
  heartbeatIntervalMs: 3_000,
  heartbeatMisses: 5,
  shutdownGraceMs: 2_000,
};

export function createKernels(o: KernelsOptions): Kernels {
  const specs = new Kernelspecs(o.kernelspecDirs ?? [], o.defaultKernelspec);
  for (const s of o.kernelspecSources ?? []) specs.register(s);
  const hooks = [...(o.prepareLaunch ?? [])];
  const manager = new KernelManager({
    specs,
    runtimeDir: o.runtimeDir,
    workDir: o.workDir,
    timings: { ...DEFAULT_TIMINGS, ...o.timings },
    log: o.log,
    poolSize: o.poolSize ?? 0,
    idleTimeoutMs: o.idleTimeoutMs ?? 0,
    hooks,
    mintToken: o.mintToken,
    // Read late: the server knows its address only once it listens.
    get apiUrl() {
      return o.apiUrl;
    },
    runAs: o.runAs,
    sandbox: o.sandbox,
    launcher: o.launcher ?? new LocalLauncher(),
  });
  const executor = new Executor(
    manager,
    o.openDoc,
    {
      streamLimit: o.streamOutputLimit ?? 1_000_000,
      countLimit: o.outputCountLimit ?? 500,
      bytesLimit: o.outputBytesLimit ?? 10 * 1024 * 1024,
      flushMs: o.outputFlushMs ?? 20,
      tailRefreshMs: 1000,
    },
    o.log,
    o.cellMagic,
  );
  const assistant = new Assistant({
    kernelOf: (notebookId) => executor.kernelOf(notebookId),
    running: (notebookId) => executor.status(notebookId).running !== null,
  });
  const channels = new ChannelsServer();
  const sessions = new Sessions();
  manager.onShutdown = async (kernel) => {
    channels.drop(kernel);
    sessions.dropKernel(kernel.id);
    await executor.forget(kernel.id);
  };

  const info = (kernel: Kernel): KernelInfo => {
    const owner = manager.ownerOf(kernel.id);
    return {
      ...kernel.model(),
      ownerId: owner?.user.id ?? "",
      notebookId: owner?.notebookId,
      projectId: owner?.projectId,
    };
  };
  const need = (id: string) => {
    const k = manager.get(id);
    if (!k) throw new KernelError("no_such_kernel", `No kernel ${id}`);
    return k;
  };

  return {
    kernelspecs: {
      list: (options) => specs.list(options),
      default: () => specs.defaultSpec(),
      get: (name) => specs.get(name),
      prepareWhile: (ready) => specs.prepareWhile(ready),
      anyRunnable: async () =>
        (await specs.list({ wait: false })).some((k) => !isAbsolute(k.argv[0]!) || existsSync(k.argv[0]!)),
    },
    registerKernelspecSource: (source) => specs.register(source),
    registerLaunchHook(hook) {
      hooks.push(hook);
      return () => {
        const i = hooks.indexOf(hook);
        if (i >= 0) hooks.splice(i, 1);
      };
    },
    list: () => manager.list().map(({ kernel }) => info(kernel)),
    get: (id) => {
      const k = manager.get(id);
      return k ? info(k) : undefined;
    },
    async start(specName, owner) {
      return info(await manager.start(specName, owner));
    },
    interrupt: (id) => need(id).interrupt(),
    async restart(id) {
      const owner = manager.ownerOf(id);
      if (owner?.notebookId && executor.kernelOf(owner.notebookId)?.id === id) {
        return info(await executor.restart(owner.notebookId, owner));
      }
      const k = need(id);
      await k.restart();
      return info(k);
    },
    shutdown: (id) => manager.shutdown(id),
    handleChannelsUpgrade(req, socket, head, kernelId, canSend, grant) {
      const k = manager.get(kernelId);
      if (!k) return false;
      channels.handleUpgrade(req, socket, head, k, canSend, grant);
      return true;
    },
    channelConnections: () => channels.connections(),
    sessions,
    notebooks: {
      status: (notebookId) => {
        const s = executor.status(notebookId);
        const k = executor.kernelOf(notebookId);
        return { ...s, kernel: k ? { ...info(k), display_name: k.spec.display_name } : null };
      },
      start: async (notebookId, owner, specName) => info(await executor.startKernel(notebookId, owner, specName)),
      switchKernel: async (notebookId, owner, specName) =>
        info(await executor.switchKernel(notebookId, owner, specName)),
      execute: (notebookId, owner, req) => executor.execute(notebookId, owner, req),
      interrupt: (notebookId) => executor.interrupt(notebookId),
      restart: async (notebookId, owner, runAll) => info(await executor.restart(notebookId, owner, runAll)),
      shutdown: (notebookId) => executor.shutdown(notebookId),
      answerInput: (notebookId, userId, value) => executor.answerInput(notebookId, userId, value),
      complete: (notebookId, code, cursorPos) => assistant.complete(notebookId, code, cursorPos),
      inspect: (notebookId, code, cursorPos, level) => assistant.inspect(notebookId, code, cursorPos, level),
    },
    onExecution(listener) {
      executor.listeners.push(listener);
      return () => {
        const i = executor.listeners.indexOf(listener);
        if (i >= 0) executor.listeners.splice(i, 1);
      };
    },
    stats: () => ({ running: manager.list().length, pooled: manager.pooledCount() }),
    async close() {
      channels.close();
      await executor.close();
      await manager.close();
    },
  };
}
