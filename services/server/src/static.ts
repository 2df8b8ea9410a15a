import { existsSync } from "node:fs";
import { relative } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import type { AppEnv } from "@tandem/api";
import type { Hono } from "hono";

/** Serves the built web app, with the single-page app's index.html for every other page path. */
export function mountWebApp(app: Hono<AppEnv>, webDist: string | undefined) {
  if (!webDist || !existsSync(`${webDist}/index.html`)) {
    app.get("/", (c) =>
      c.html("<!doctype html><title>Tandem</title><p>Tandem is running. The web app is not built; see README.md.</p>"),
    );
    return;
  }
  const root = relative(process.cwd(), webDist) || ".";
  app.use("/assets/*", serveStatic({ root }));
  app.get("*", async (c, next) => {
    if (c.req.path.startsWith("/api/") || c.req.path.startsWith("/collab/")) return next();
    return serveStatic({ root, path: "index.html" })(c, next);
  });
}
