import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import { bootstrapAdmin, createApi } from "@tandem/api";
import { type Database, openDatabase } from "@tandem/db";
import { createTracking, type Tracking } from "@tandem/tracking";
import pino, { type Logger } from "pino";
import type { Config } from "./config.ts";
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
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where structured logs go (default: stdout). */
  logStream?: NodeJS.WritableStream;
}

/** The composition root: config -> database -> services -> one HTTP server. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<TandemServer> {
  const log = pino({ level: config.logLevel, base: { service: "tandem" } }, options.logStream ?? process.stdout);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: join(config.dataDir, "pg") });
  try {
    const applied = await database.migrate();
    if (applied.length) log.info({ applied, database: database.kind }, "migrations applied");
  } catch (err) {
    await database.close();
    throw err;
  }
  const { token: adminToken } = await bootstrapAdmin(database.db, config.token);

  const tracking = createTracking({ db: database.db, artifactsDir: join(config.dataDir, "artifacts"), log });
  const app = createApi({
    db: database.db,
    log,
    tracking,
    config: {
      maxBodyBytes: config.maxBodyBytes,
      allowSignup: config.allowSignup,
      secureCookies: config.secureCookies,
      loginAttempts: config.loginAttempts,
      loginWindowMs: 15 * 60 * 1000,
    },
  });
  mountWebApp(app, config.webDist);

  const upgrades: UpgradeHandler[] = [];
  const server = createAdaptorServer({ fetch: app.fetch });
  server.on("upgrade", async (req, socket, head) => {
    try {
      for (const handle of upgrades) if (await handle(req, socket, head)) return;
      refuseUpgrade(socket, 404, `No WebSocket endpoint at ${req.url}`);
    } catch (err) {
      log.error({ err, url: req.url }, "upgrade failed");
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
  log.info({ url, database: database.kind }, "listening");

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    adminToken,
    loginUrl: `${url}/login?token=${encodeURIComponent(adminToken)}`,
    database,
    tracking,
    log,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as import("node:http").Server).closeAllConnections?.();
        });
        await database.close();
        log.info("stopped");
      })();
      return closing;
    },
  };
}
