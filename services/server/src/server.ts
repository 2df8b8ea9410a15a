import { execFileSync } from "node:child_process";
import { chmod, mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import { bootstrapAdmin, createAccessEvents, createApi, KernelTokens } from "@tandem/api";
import { type Collab, createCollab } from "@tandem/collab";
import { type Database, openDatabase } from "@tandem/db";
import { EnvironmentService, ensureDefaultEnvironment, PipMagic } from "@tandem/envs";
import { createKernels, type Kernels, probeSandbox } from "@tandem/kernels";
import { LocalLauncher } from "@tandem/launcher";
import type { Environment } from "@tandem/protocol";
import { createScheduler, type Scheduler } from "@tandem/scheduler";
import { createServing, type Serving } from "@tandem/serving";
import { createTracking, type Tracking } from "@tandem/tracking";
import pino, { type Logger } from "pino";
import { collabUpgrade } from "./collab-upgrade.ts";
import { type Config, ConfigError } from "./config.ts";
import { kernelsUpgrade } from "./kernels-upgrade.ts";
import { LiveAccess } from "./live-access.ts";
import { pathOnly, redactingStream } from "./log-redact.ts";
import { prometheusExport } from "./metrics.ts";
import { mountShareRedirect } from "./share-redirect.ts";
import { mountWebApp } from "./static.ts";
import { refuseUpgrade, type UpgradeHandler } from "./upgrade.ts";

export interface TandemServer {
  /** Where the server listens, e.g. http://127.0.0.1:8888 (no trailing slash). */
  url: string;
  port: number;
  /** The admin token: TANDEM_TOKEN, or the one made for this start's login link. */
  adminToken: string;
  loginUrl: string;
  database: Database;
  /** The tracking service (the kernel gateway's launch hook calls `tracking.kernelTrackingEnv`). */
  tracking: Tracking;
  log: Logger;
  envs: EnvironmentService;
  /** The first-start default environment (null when another usable kernelspec exists or it is turned off). */
  defaultEnvironment: Promise<Environment | null>;
  /** The collaboration service (notebook documents). */
  collab: Collab;
  /** The kernel gateway (kernelspecs, kernels, notebook execution). */
  kernels: Kernels;
  /** Job definitions, the run queue and this process's worker. */
  scheduler: Scheduler;
  /** Deployments of registered models. */
  serving: Serving;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where structured logs go (default: stdout). */
  logStream?: NodeJS.WritableStream;
  /** What time it is: cron fire times, token, session and share-link expiry (tests move it). */
  clock?: () => Date;
}

/** The composition root: config -> database -> services -> one HTTP server. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<TandemServer> {
  // Every line is redacted on its way out: no query-string secret or bare token reaches the log.
  const log = pino(
    { level: config.logLevel, base: { service: "tandem" } },
    redactingStream(options.logStream ?? process.stdout),
  );
  // Kernels run as `nobody` when a root server has no TANDEM_KERNEL_USER (sandboxed: root does the mounts).
  const runAs = config.kernelUser
    ? osUser(config.kernelUser)
    : config.kernelIsolation === "sandbox" && process.getuid?.() === 0
      ? osUser("nobody")
      : undefined;
  const sandbox =
    config.kernelIsolation === "sandbox"
      ? { bwrap: config.bwrap, readPaths: config.kernelReadPaths, writePaths: config.kernelWritePaths }
      : undefined;
  // Isolation was asked for: without a working sandbox the server does not start (checked once).
  const unusable = sandbox && (await probeSandbox(sandbox, process.getuid?.() === 0 ? runAs : undefined));
  if (unusable) throw new ConfigError(unusable);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: join(config.dataDir, "pg") });
  try {
    const applied = await database.migrate();
    if (applied.length) log.info({ applied, database: database.kind }, "migrations applied");
  } catch (err) {
    await database.close();
    throw err;
  }
  const { token: adminToken } = await bootstrapAdmin(database.db, config.token);
  // Kernel tokens expire unless renewed; the ones this server issued before a crash die now.
  const clock = options.clock ?? (() => new Date());
  const kernelTokens = new KernelTokens(database.db, { issuer: `${hostname()}:${config.dataDir}`, clock });
  const orphaned = await kernelTokens.revokePrevious();
  if (orphaned) log.info({ revoked: orphaned }, "revoked the kernel tokens of the previous start");
  const renewal = setInterval(
    () => void kernelTokens.renewIfDue().catch((err) => log.warn({ err }, "renewing kernel tokens failed")),
    1000,
  );
  renewal.unref();

  // An in-memory database has no data dir on disk; environments and kernels still need one.
  const filesDir = config.dataDir.startsWith("memory://") ? join(tmpdir(), `tandem-${process.pid}`) : config.dataDir;
  // The data dir (embedded database, artifacts) and kernels' connection files are the server's alone.
  for (const dir of [filesDir, join(filesDir, "runtime")]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
  // Secrets are read once, into the config: nothing started later (kernels, builds) inherits them.
  for (const name of [
    "TANDEM_TOKEN",
    "TANDEM_METRICS_TOKEN",
    "DATABASE_URL",
    "PGPASSWORD",
    "TANDEM_S3_SECRET_ACCESS_KEY",
  ])
    delete process.env[name];
  const envs = await EnvironmentService.open({
    db: database.db,
    dataDir: filesDir,
    envsDir: config.envsDir,
    uvCacheDir: config.uvCacheDir,
    uvPath: config.uv,
    gpuInventoryFile: config.gpuInventoryFile,
    concurrency: config.envBuilds,
    log: log.child({ area: "envs" }),
  });

  const collab = createCollab({
    clock,
    db: database.db,
    log: log.child({ service: "collab" }),
    maxMessageBytes: config.collabMaxMessageBytes,
    idleUnloadMs: config.collabIdleUnloadMs,
    compactEvery: config.collabCompactEvery,
  });

  const tracking = createTracking({
    db: database.db,
    artifactsDir: join(filesDir, "artifacts"),
    artifactsUrl: config.artifactsUrl,
    s3: config.s3,
    log,
  });
  await tracking.artifacts.blobs.check();

  // Kernels and deployment replicas start through one launcher (child processes of this server).
  const launcher = new LocalLauncher();
  const kernelsLog = log.child({ service: "kernels" });
  // Filled in once the server listens (the port may be picked then).
  let apiUrl = config.publicUrl?.replace(/\/$/, "");
  const kernels = createKernels({
    log: kernelsLog,
    runtimeDir: join(filesDir, "runtime"),
    workDir: join(filesDir, "work"),
    kernelspecDirs: config.kernelspecPath,
    // Ready environments are kernelspecs; their launches get the environment's variables and GPUs,
    // and a notebook's kernel gets MLflow's variables for its experiment (or its scheduled run).
    kernelspecSources: [envs.kernelspecSource()],
    prepareLaunch: [
      envs.kernelLaunchHook(),
      tracking.kernelLaunchHook({
        apiUrl: () => apiUrl,
        mintToken: (req) => kernelTokens.mint(req),
        runOf: (documentId) => scheduler.trackingOf(documentId),
      }),
    ],
    launcher,
    defaultKernelspec: config.defaultKernelspec,
    openDoc: (notebookId) => collab.open(notebookId),
    get apiUrl() {
      return apiUrl;
    },
    poolSize: config.kernelPoolSize,
    idleTimeoutMs: config.kernelIdleTimeout * 1000,
    streamOutputLimit: config.streamOutputLimit,
    outputCountLimit: config.outputCountLimit,
    outputBytesLimit: config.outputBytesLimit,
    runAs,
    // Each project's kernels keep one home (caches, history) under the data dir.
    sandbox: sandbox && { ...sandbox, homesDir: join(filesDir, "homes"), hidden: [filesDir] },
    // `%pip install` in an environment's kernel builds the environment's next version and moves the kernel to it.
    cellMagic: new PipMagic(envs),
    // A kernel's token reaches only its notebook's project, as an editor at most, for what notebook
    // code needs (kernel-scope.ts); it expires unless renewed and is revoked when the kernel ends.
    mintToken: async ({ userId, projectId, name }) => {
      if (!projectId) return undefined;
      return kernelTokens.mint({ userId, projectId, name });
    },
  });

  const scheduler: Scheduler = createScheduler({
    db: database.db,
    log: log.child({ service: "scheduler" }),
    kernels,
    collab,
    tracking,
    envs,
    clock: options.clock,
    workers: config.schedulerWorkers,
    timings: { leaseMs: config.runLeaseMs, pollMs: config.schedulerPollMs },
  });

  // Filled in once the server listens, like apiUrl.
  let publicUrl = config.publicUrl?.replace(/\/$/, "") ?? "";
  const serving = createServing({
    db: database.db,
    tracking,
    envs,
    launcher,
    log: log.child({ service: "serving" }),
    dataDir: join(filesDir, "serving"),
    publicUrl: () => publicUrl,
    clock: options.clock,
    metricsRetentionDays: config.metricsRetentionDays,
  });

  // Revocations and role changes, announced by the API and followed by open WebSockets.
  // Sent to every server sharing the database too, so their open sockets follow (Postgres NOTIFY).
  const channel = database.channel;
  const accessEvents = await createAccessEvents(
    channel && {
      publish: (payload) => channel.publish("tandem_access", payload),
      subscribe: (onMessage) => channel.subscribe("tandem_access", onMessage),
    },
    log,
  );
  const app = createApi({
    db: database.db,
    log,
    envs,
    collab,
    kernels,
    tracking,
    scheduler,
    serving,
    accessEvents,
    clock,
    prometheus: {
      token: config.metricsToken ?? null,
      ...prometheusExport({ db: database.db, collab, kernels, scheduler, serving }),
    },
    config: {
      maxBodyBytes: config.maxBodyBytes,
      allowSignup: config.allowSignup,
      secureCookies: config.secureCookies,
      loginAttempts: config.loginAttempts,
      loginWindowMs: 15 * 60 * 1000,
    },
  });
  mountShareRedirect(app, collab);
  mountWebApp(app, config.webDist);

  const live = new LiveAccess({ db: database.db, collab, kernels, events: accessEvents, log, clock });
  const upgrades: UpgradeHandler[] = [
    collabUpgrade(database.db, collab, live, clock),
    kernelsUpgrade(database.db, kernels, live, clock),
  ];
  const server = createAdaptorServer({ fetch: app.fetch });
  // No Nagle: small kernel and sync messages must not wait for a delayed ACK.
  server.on("connection", (socket) => socket.setNoDelay(true));
  server.on("upgrade", async (req, socket, head) => {
    try {
      for (const handle of upgrades) if (await handle(req, socket, head)) return;
      refuseUpgrade(socket, 404, `No WebSocket endpoint at ${pathOnly(req.url)}`);
    } catch (err) {
      log.error({ err, path: pathOnly(req.url) }, "upgrade failed");
      refuseUpgrade(socket, 500, "Something went wrong on the server");
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = config.publicUrl?.replace(/\/$/, "") ?? `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
  apiUrl ??= `${url}/api`;
  log.info({ url, database: database.kind }, "listening");
  publicUrl = url;
  // Runs start once kernels can be told the server's address.
  scheduler.start();
  // Deployments that were serving before a restart come back.
  await serving.start().catch((err) => log.error({ err }, "restoring deployments failed"));

  // Built in the background, progress in the log: the server answers while it builds.
  const defaultEnvironment = config.defaultEnv
    ? ensureDefaultEnvironment(envs, {
        log: log.child({ area: "envs" }),
        requirements: config.defaultEnvRequirements,
        hasUsableKernelspec: () => kernels.kernelspecs.anyRunnable(),
      }).catch((err) => {
        log.error({ err }, "default environment failed");
        return null;
      })
    : Promise.resolve(null);
  kernels.kernelspecs.prepareWhile(defaultEnvironment);

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    adminToken,
    loginUrl: `${url}/login?token=${encodeURIComponent(adminToken)}`,
    database,
    tracking,
    log,
    envs,
    defaultEnvironment,
    collab,
    kernels,
    scheduler,
    serving,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        live.close();
        await accessEvents.close();
        clearInterval(renewal);
        // Runs going here go back to the queue before their kernels stop.
        await scheduler.close();
        await serving.close();
        // Kernels first: their last outputs land in the rooms before those flush.
        await kernels.close();
        // Rooms flush their logs before the database goes away.
        await collab.close();
        (server as import("node:http").Server).closeAllConnections?.();
        await stopped;
        await envs.close();
        await defaultEnvironment;
        await database.close();
        log.info("stopped");
      })();
      return closing;
    },
  };
}

/** uid/gid of the OS user kernels run as. */
function osUser(name: string): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, name], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}
