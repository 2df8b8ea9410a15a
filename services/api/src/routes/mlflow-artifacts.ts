import { Readable } from "node:stream";
import { MlflowCode, parseArtifactPath, TrackingError } from "@tandem/tracking";
import { Hono } from "hono";
import { getMimeType } from "hono/utils/mime";
import type { ApiDeps, AppContext, AppEnv } from "../context.ts";
import { mlflowError } from "../error-table.ts";
import { mlflowAccess } from "../mlflow-access.ts";

/**
 * MLflow's proxied artifact store (`/api/2.0/mlflow-artifacts/artifacts/<experimentId>/...`):
 * what `mlflow-artifacts:/` artifact URIs resolve to. Files land in the content-addressed store.
 */
export function mlflowArtifactRoutes(deps: ApiDeps) {
  const { db, tracking, log } = deps;
  const access = mlflowAccess(db, tracking);
  const app = new Hono<AppEnv>();

  const who = (c: AppContext) => {
    const identity = c.get("identity");
    if (!identity) throw new TrackingError(MlflowCode.unauthenticated, "Send an API token: set MLFLOW_TRACKING_TOKEN");
    return identity;
  };
  /** The path after `/artifacts/`, decoded. */
  const pathOf = (c: AppContext) => {
    const marker = "/mlflow-artifacts/artifacts/";
    const raw = c.req.path.slice(c.req.path.indexOf(marker) + marker.length);
    try {
      return decodeURIComponent(raw);
    } catch {
      throw new TrackingError(MlflowCode.invalid, "Invalid artifact path encoding");
    }
  };
  const experimentRole = async (
    c: AppContext,
    path: ReturnType<typeof parseArtifactPath>,
    needed: "viewer" | "editor",
  ) =>
    access.experiment(who(c), path.experimentId, needed).catch((err) => {
      if (err instanceof TrackingError && err.code === MlflowCode.notFound)
        throw new TrackingError(MlflowCode.notFound, `No artifact root for experiment ${path.experimentId}`);
      throw err;
    });

  /** Writes and reads outside `<experimentId>/` have no project to be checked against. */
  const outsideExperiments = (raw: string) =>
    new TrackingError(
      MlflowCode.invalid,
      `Artifacts live under an experiment's root (mlflow-artifacts:/<experiment_id>/...); '${raw}' is outside every experiment`,
    );
  const isExperimentPath = (raw: string) => /^\/*\d{1,15}(\/|$)/.test(raw);

  // List: GET /artifacts?path=<experimentId>/<runId>/artifacts/<dir>; the root lists the experiments one can read.
  app.get("/artifacts", async (c) => {
    try {
      const raw = c.req.query("path") ?? "";
      if (raw.split("/").some((p) => p === ".." || p === "."))
        throw new TrackingError(MlflowCode.invalid, "Invalid path");
      if (raw.replace(/^\/+|\/+$/g, "") === "") {
        const dirs = await tracking.artifacts.rootDirs(await access.readableProjects(who(c)));
        return c.json(dirs.length ? { files: dirs.map((id) => ({ path: String(id), is_dir: true })) } : {});
      }
      // As MLflow's: a directory that does not exist lists nothing.
      if (!isExperimentPath(raw)) return c.json({});
      const path = parseArtifactPath(raw);
      await experimentRole(c, path, "viewer");
      const entries = await tracking.artifacts.list(path);
      return c.json({
        files: entries.map((e) => ({
          path: e.path,
          is_dir: e.isDir,
          ...(e.size !== undefined ? { file_size: e.size } : {}),
        })),
      });
    } catch (err) {
      return mlflowError(c, err, log);
    }
  });

  app.get("/artifacts/*", async (c) => {
    try {
      const path = parseArtifactPath(pathOf(c));
      await experimentRole(c, path, "viewer");
      const file = await tracking.artifacts.get(path);
      if (!file) throw new TrackingError(MlflowCode.notFound, `Artifact '${pathOf(c)}' not found`);
      return new Response(Readable.toWeb(file.stream) as ReadableStream, {
        headers: {
          // As MLflow's proxy: the file's own type, always as a download, never sniffed into HTML.
          "content-type": getMimeType(path.rest) ?? "application/octet-stream",
          "content-disposition": `attachment; filename="${(path.rest.split("/").pop() ?? "artifact").replace(/["\\\r\n]/g, "_")}"`,
          "x-content-type-options": "nosniff",
          "content-length": String(file.size),
          etag: `"${file.sha256}"`,
        },
      });
    } catch (err) {
      return mlflowError(c, err, log);
    }
  });

  app.put("/artifacts/*", async (c) => {
    try {
      if (!isExperimentPath(pathOf(c))) throw outsideExperiments(pathOf(c));
      const path = parseArtifactPath(pathOf(c));
      await experimentRole(c, path, "editor");
      // Streamed to disk while hashed: large artifacts never sit in memory whole.
      await tracking.artifacts.put(path, c.req.raw.body);
      return c.json({});
    } catch (err) {
      return mlflowError(c, err, log);
    }
  });

  app.all("*", (c) =>
    c.json(
      { error_code: MlflowCode.endpointNotFound, message: `No MLflow endpoint ${c.req.method} ${c.req.path}` },
      404,
    ),
  );
  return app;
}
