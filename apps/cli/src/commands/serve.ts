import { fileURLToPath } from "node:url";
import type { Config } from "@tandem/server";
import type { Command } from "../command.ts";

// The CLI ships beside the web app; the server itself knows nothing of apps/.
const webDist = fileURLToPath(new URL("../../../web/dist", import.meta.url));

export const serve: Command = {
  usage: "serve [--host H] [--port P] [--data-dir D]",
  async run({ flags }) {
    // Loaded here, not at the top: every other command is a small HTTP client that should not pay
    // for starting up the whole server's code (kernels, ZeroMQ, database drivers).
    const { ConfigError, loadConfig, startServer } = await import("@tandem/server");
    let config: Config;
    try {
      config = loadConfig(process.env, {
        host: flags.host as string | undefined,
        port: flags.port === undefined ? undefined : Number(flags.port),
        dataDir: flags["data-dir"] as string | undefined,
        webDist: process.env.TANDEM_WEB_DIST ?? webDist,
      });
      if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
        throw new ConfigError("Invalid configuration:\n  --port: must be a whole number from 0 to 65535");
      }
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`${err.message}\n`);
        return 2;
      }
      throw err;
    }
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer(config);
    } catch (err) {
      // Start-up checks (the kernel sandbox) say what to change, as configuration errors do.
      if (err instanceof ConfigError) {
        process.stderr.write(`${err.message}\n`);
        return 2;
      }
      throw err;
    }
    process.stderr.write(
      `\n  Tandem is running at ${server.url}/\n  Open this URL to sign in as admin:\n    ${server.loginUrl}\n\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        server.log.info({ signal }, "shutting down");
        server.close().then(resolve, resolve);
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
    return 0;
  },
};
