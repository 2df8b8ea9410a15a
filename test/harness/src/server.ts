import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig, startServer, type TandemServer } from "@tandem/server";
import { HttpClient } from "./http.ts";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const cliBin = join(repoRoot, "apps/cli/bin/tandem.js");

export interface TestServerOptions {
  /** Extra environment (TANDEM_* variables) for the server. */
  env?: Record<string, string>;
  /** Run the server as a child process (`tandem serve`), so it can be SIGKILLed and restarted. */
  process?: boolean;
  /** Reuse a database (e.g. to restart on the same data); otherwise a fresh one is made. */
  database?: TestDatabase;
  /** Reuse a data directory (a restart of the same server); it is then left in place on close. */
  dataDir?: string;
  /** The server's clock, so a test can move time to fire cron schedules or reach an expiry (in-process mode only). */
  clock?: () => Date;
  /** Where the server's log lines go (in-process mode only; default stderr), for tests that read the log. */
  logStream?: NodeJS.WritableStream;
}

export interface TestServer {
  url: string;
  /** The admin's API token. */
  adminToken: string;
  /** An HTTP client signed in as the admin. */
  admin: HttpClient;
  /** An anonymous HTTP client. */
  http: HttpClient;
  database: TestDatabase;
  dataDir: string;
  /** The in-process server (absent in process mode). */
  server?: TandemServer;
  /** The child process (process mode only). */
  child?: ChildProcess;
  /** Sends a signal to the child process and waits for it to exit (process mode only). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the server, removes its data directory and drops its database. */
  close(): Promise<void>;
}

/** Starts a real Tandem server on a free port against a fresh Postgres database. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase());
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "tandem-test-")));
  const adminToken = `tdm_test_${randomBytes(16).toString("hex")}`;
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    TANDEM_DATA_DIR: dataDir,
    TANDEM_TOKEN: adminToken,
    TANDEM_LOG_LEVEL: "warn",
    // Tests bring their own kernels; a test about the first-start environment turns this on.
    TANDEM_DEFAULT_ENV: "false",
    ...options.env,
  };
  const finish = async (url: string, rest: Partial<TestServer>, stop: () => Promise<void>): Promise<TestServer> => {
    let closed = false;
    return {
      url,
      adminToken,
      admin: new HttpClient(url, { token: adminToken }),
      http: new HttpClient(url),
      database,
      dataDir,
      kill: async () => {},
      ...rest,
      async close() {
        if (closed) return;
        closed = true;
        await stop();
        if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
        if (!options.database) await database.drop();
      },
    };
  };

  if (!options.process) {
    const config = loadConfig({ ...process.env, ...env }, { host: "127.0.0.1", port: 0 });
    const server = await startServer(config, {
      logStream: options.logStream ?? process.stderr,
      clock: options.clock,
    }).catch(async (err) => {
      // A server that failed to start leaves nothing behind.
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
      if (!options.database) await database.drop();
      throw err;
    });
    return finish(server.url, { server }, () => server.close());
  }

  const child = spawn(process.execPath, [cliBin, "serve", "--host", "127.0.0.1", "--port", "0"], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Tandem is running at (http:\/\/\S+?)\/?\s/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`tandem serve exited with ${code} before listening:\n${output}`)));
  });
  const kill = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return finish(url, { child, kill }, () => kill("SIGTERM"));
}
