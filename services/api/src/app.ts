import type { OpenAPIHono } from "@hono/zod-openapi";
import { ErrorCode } from "@tandem/protocol";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { bearerOf, credentialsOf, resolveIdentity } from "./auth/identity.ts";
import { kernelTokenMayCall } from "./auth/kernel-scope.ts";
import { type ApiDeps, type AppEnv, router } from "./context.ts";
import { renderError } from "./error-table.ts";
import { forbidden, unauthenticated } from "./errors.ts";
import { jsonDepthLimit } from "./json-depth.ts";
import { authRoutes } from "./routes/auth.ts";
import { collabRoutes } from "./routes/collab.ts";
import { dashboardRoutes } from "./routes/dashboard.ts";
import { deploymentProxy, deploymentRoutes } from "./routes/deployments.ts";
import { docsRoutes } from "./routes/docs.ts";
import { environmentRoutes } from "./routes/environments.ts";
import { experimentRoutes } from "./routes/experiments.ts";
import { healthRoutes } from "./routes/health.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { kernelRoutes } from "./routes/kernels.ts";
import { loginLinkRoutes } from "./routes/login-link.ts";
import { mlflowRoutes } from "./routes/mlflow.ts";
import { mlflowArtifactRoutes } from "./routes/mlflow-artifacts.ts";
import { modelRoutes } from "./routes/models.ts";
import { deploymentMetricsRoutes, prometheusRoutes } from "./routes/monitoring.ts";
import { notebookKernelRoutes } from "./routes/notebook-kernels.ts";
import { notebookRunRoutes } from "./routes/notebook-runs.ts";
import { notebookRoutes } from "./routes/notebooks.ts";
import { projectRoutes } from "./routes/projects.ts";
import { runModelRoutes } from "./routes/run-models.ts";
import { tokenRoutes } from "./routes/tokens.ts";

/** The MLflow server version whose REST API Tandem answers (what `GET /version` says). */
export const MLFLOW_COMPAT_VERSION = "3.17.2";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** An Origin header's host; `null` (sandboxed frames, file: pages) and junk have none, so never match. */
function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/**
 * The REST API as one Hono app: `/api/*`, `/login`. The server mounts it and adds the web app
 * and WebSocket upgrades around it.
 */
export function createApi(deps: ApiDeps): Hono<AppEnv> {
  const { db, log, config } = deps;
  const app = new Hono<AppEnv>();

  app.use(
    "/api/*",
    bodyLimit({
      maxSize: config.maxBodyBytes,
      onError: (c) =>
        c.json(
          { error: { code: ErrorCode.payloadTooLarge, message: `Request body over ${config.maxBodyBytes} bytes` } },
          413,
        ),
    }),
  );

  app.use("/api/*", jsonDepthLimit());

  // Identity is resolved on every request (never cached), so a revoked token fails at once.
  app.use("/api/*", async (c, next) => {
    const creds = credentialsOf(c.req.raw.headers, c.req.url);
    const who = await resolveIdentity(db, creds, deps.clock?.());
    if (!who && bearerOf(creds)) throw unauthenticated("The API token is invalid, expired or revoked");
    // Cookies ride along on cross-site requests; a state change by cookie must come from our origin.
    if (who?.via === "session" && !SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header("origin");
      const host = c.req.header("host");
      if (c.req.header("sec-fetch-site") === "cross-site" || (origin && host && hostOf(origin) !== host)) {
        throw forbidden("Cross-site request refused");
      }
    }
    // A kernel's token reaches only what notebook code needs.
    if (who?.kind === "kernel" && !kernelTokenMayCall(c.req.method, c.req.path)) {
      throw forbidden("A kernel's token cannot do this; sign in or use a personal token");
    }
    c.set("identity", who);
    await next();
  });

  // One entry per area; each router's paths are relative to /api.
  const api: OpenAPIHono<AppEnv> = router();
  for (const routes of [
    healthRoutes(),
    authRoutes(deps),
    tokenRoutes(deps),
    projectRoutes(deps),
    notebookRoutes(deps),
    environmentRoutes(deps),
    collabRoutes(deps),
    kernelRoutes(deps),
    notebookKernelRoutes(deps),
    experimentRoutes(deps),
    notebookRunRoutes(deps),
    modelRoutes(deps),
    runModelRoutes(deps),
    jobRoutes(deps),
    deploymentRoutes(deps),
    deploymentMetricsRoutes(deps),
    dashboardRoutes(deps),
  ]) {
    api.route("/", routes);
  }

  api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "A personal API token (`Authorization: Bearer tdm_…`, or `?token=`)",
  });
  api.openAPIRegistry.registerComponent("securitySchemes", "cookie", {
    type: "apiKey",
    in: "cookie",
    name: "tandem_session",
  });
  api.doc31("/openapi.json", {
    openapi: "3.1.0",
    servers: [{ url: "/api" }],
    info: {
      title: "Tandem API",
      version: "0.1.0",
      description: "Everything the Tandem web app does, as REST. Errors are `{ error: { code, message } }`.",
    },
  });

  // MLflow's API answers its own errors in its own shape, unknown routes included.
  app.route("/api/2.0/mlflow", mlflowRoutes(deps));
  // MLflow's client asks the server's version (trace logging needs it) and may call /api/3.0 endpoints.
  app.get("/version", (c) => c.text(MLFLOW_COMPAT_VERSION));
  app.all("/api/3.0/mlflow/*", (c) =>
    c.json({ error_code: "ENDPOINT_NOT_FOUND", message: `No MLflow endpoint ${c.req.method} ${c.req.path}` }, 404),
  );
  app.route("/api/2.0/mlflow-artifacts", mlflowArtifactRoutes(deps));
  app.route("/api", api);
  // The scoring endpoints: their own token check and MLflow's error shape.
  app.use("/deployments/*", bodyLimit({ maxSize: config.maxBodyBytes }));
  app.route("/deployments", deploymentProxy(deps));
  app.route("/api", docsRoutes());
  app.route("/", prometheusRoutes(deps));
  app.route("/", loginLinkRoutes(deps));

  app.notFound((c) =>
    c.json({ error: { code: ErrorCode.notFound, message: `No route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.onError((err, c) => renderError(c, err, log));

  return app;
}
