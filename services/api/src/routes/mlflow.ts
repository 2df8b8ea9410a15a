import {
  experimentIdOf,
  MlflowCode,
  parseArtifactPath,
  parseDouble,
  parseInt64,
  runIdOf,
  TrackingError,
  type ViewType,
} from "@tandem/tracking";
import { Hono } from "hono";
import type { Identity } from "../auth/identity.ts";
import type { ApiDeps, AppContext, AppEnv } from "../context.ts";
import { mlflowError } from "../error-table.ts";
import { mlflowAccess } from "../mlflow-access.ts";
import { type Body, type Handler, list, maxResultsOf, required, str } from "../mlflow-params.ts";
import {
  offsetOf,
  pageToken,
  parseMlflowJson,
  wireExperiment,
  wireMetric,
  wireRun,
  wireRunInfo,
} from "../mlflow-wire.ts";
import { mlflowModelRoutes } from "./mlflow-models.ts";

const VIEW_TYPES: Record<string, ViewType> = { 1: "ACTIVE_ONLY", 2: "DELETED_ONLY", 3: "ALL" };
function viewTypeOf(v: unknown): ViewType {
  if (v === undefined || v === null || v === "") return "ACTIVE_ONLY";
  const t =
    VIEW_TYPES[String(v)] ??
    (["ACTIVE_ONLY", "DELETED_ONLY", "ALL"].includes(String(v)) ? (String(v) as ViewType) : undefined);
  if (!t) throw new TrackingError(MlflowCode.invalid, `Invalid view type '${String(v)}'`);
  return t;
}
/** The request's parameters: the JSON body (POST) merged over the query string (GET, with repeated keys as lists). */
async function bodyOf(c: AppContext): Promise<Body> {
  const url = new URL(c.req.url);
  const body: Body = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    body[key] = all.length > 1 ? all : all[0];
  }
  if (c.req.method !== "GET" && c.req.method !== "HEAD") Object.assign(body, parseMlflowJson(await c.req.text()));
  return body;
}

/** MLflow's tracking REST API (`/api/2.0/mlflow/...`), as the stock client calls it. */
export function mlflowRoutes(deps: ApiDeps) {
  const { db, tracking, log } = deps;
  const access = mlflowAccess(db, tracking);
  const app = new Hono<AppEnv>();

  const route = (path: string, handler: Handler, methods = ["GET", "POST", "PATCH", "DELETE"]) => {
    app.on(methods, path, async (c) => {
      try {
        const who = c.get("identity");
        if (!who) throw new TrackingError(MlflowCode.unauthenticated, "Send an API token: set MLFLOW_TRACKING_TOKEN");
        const body = { ...(await bodyOf(c)), ...c.req.param() };
        return c.json((await handler(who, body)) ?? {}, 200);
      } catch (err) {
        return mlflowError(c, err, log);
      }
    });
  };

  /**
   * MLflow's client falls back to experiment "0" ("Default") when none is set. In Tandem that is
   * a "Default" experiment in the project the caller would create experiments in (made on demand).
   */
  async function experimentIdFor(who: Identity, raw: unknown): Promise<number> {
    if (String(raw) !== "0") return experimentIdOf(raw);
    const projectId = who.projectScope ?? (await tracking.projects.defaultFor(who.user.id));
    const found = await tracking.experiments.byName("Default", [projectId]).catch(() => null);
    if (found) return found.id;
    await access.checkRole(who, projectId, "editor", "No Experiment with id=0 exists");
    const made = await tracking.experiments
      .create({ projectId, name: "Default", userId: who.user.id })
      .catch(() => tracking.experiments.byName("Default", [projectId]));
    return made.id;
  }

  // --- experiments ---------------------------------------------------------
  route("/experiments/create", async (who, body) => {
    // MLflow refuses wrongly typed fields rather than coercing them.
    for (const [field, ok] of [
      ["name", (v: unknown) => typeof v === "string"],
      ["artifact_location", (v: unknown) => typeof v === "string"],
      ["tags", Array.isArray],
    ] as const)
      if (body[field] !== undefined && body[field] !== null && !ok(body[field]))
        throw new TrackingError(
          MlflowCode.invalid,
          `Invalid value ${JSON.stringify(body[field])} for parameter '${field}' supplied`,
        );
    const name = required(body, "name");
    const tags = (Array.isArray(body.tags) ? body.tags : []) as { key: string; value: string }[];
    const tagMap = Object.fromEntries(
      tags.filter((t) => t && typeof t.key === "string").map((t) => [t.key, String(t.value ?? "")]),
    );
    // Which project: a scoped token's own; else `tandem.projectId` if given; else the caller's default.
    let projectId = who.projectScope ?? tagMap["tandem.projectId"];
    if (!projectId) projectId = await tracking.projects.defaultFor(who.user.id);
    await access.checkRole(who, projectId, "editor", `Project ${projectId} not found`);
    const exp = await tracking.experiments.create({
      projectId,
      name,
      userId: who.user.id,
      tags: tagMap,
      artifactLocation: str(body.artifact_location),
    });
    return { experiment_id: String(exp.id) };
  });
  route("/experiments/get", async (who, body) => {
    const exp = await access.experiment(who, await experimentIdFor(who, body.experiment_id), "viewer");
    // Asked for "0", the caller's Default answers as "0", as clients that rely on it expect.
    const wire = wireExperiment(exp);
    return { experiment: String(body.experiment_id) === "0" ? { ...wire, experiment_id: "0" } : wire };
  });
  route("/experiments/get-by-name", async (who, body) => {
    const name = required(body, "experiment_name");
    const exp = await tracking.experiments.byName(name, await access.readableProjects(who));
    return { experiment: wireExperiment(exp) };
  });
  route("/experiments/search", async (who, body) => {
    // MLflow always lists a Default experiment: make the caller's on first use (where they may create one).
    if (!body.page_token) await experimentIdFor(who, "0").catch(() => undefined);
    const max = maxResultsOf(body.max_results, 1000, 50000);
    const offset = offsetOf(body.page_token);
    const found = await tracking.experiments.search({
      projectIds: await access.readableProjects(who),
      viewType: viewTypeOf(body.view_type),
      filter: str(body.filter),
      orderBy: list(body.order_by),
      maxResults: max + 1,
      offset,
    });
    return {
      experiments: found.slice(0, max).map(wireExperiment),
      ...(found.length > max ? { next_page_token: pageToken(offset + max) } : {}),
    };
  });
  route("/experiments/update", async (who, body) => {
    const exp = await access.experiment(who, experimentIdOf(body.experiment_id), "editor");
    await tracking.experiments.rename(exp, required(body, "new_name"));
    return {};
  });
  route("/experiments/delete", async (who, body) => {
    const exp = await access.experiment(who, experimentIdOf(body.experiment_id), "editor");
    await tracking.experiments.setStage(exp, "deleted");
    return {};
  });
  route("/experiments/restore", async (who, body) => {
    const exp = await access.experiment(who, experimentIdOf(body.experiment_id), "editor");
    await tracking.experiments.setStage(exp, "active");
    return {};
  });
  route("/experiments/set-experiment-tag", async (who, body) => {
    const exp = await access.experiment(who, experimentIdOf(body.experiment_id), "editor");
    await tracking.experiments.setTag(exp, required(body, "key"), str(body.value) ?? "");
    return {};
  });

  route("/experiments/delete-experiment-tag", async (who, body) => {
    const exp = await access.experiment(who, experimentIdOf(body.experiment_id), "editor");
    await tracking.experiments.deleteTag(exp, required(body, "key"));
    return {};
  });

  // --- runs ----------------------------------------------------------------
  route("/runs/create", async (who, body) => {
    const experiment = await access.experiment(who, await experimentIdFor(who, body.experiment_id), "editor");
    const run = await tracking.runs.create({
      experiment,
      userId: who.user.id,
      userName: str(body.user_id) || who.user.email,
      startTime: parseInt64(body.start_time),
      runName: str(body.run_name),
      tags: (Array.isArray(body.tags) ? body.tags : []) as { key: string; value: string }[],
    });
    return { run: wireRun(run) };
  });
  route("/runs/get", async (who, body) => {
    const runId = runIdOf(body);
    await access.run(who, runId, "viewer");
    const [run, inputs, outputs] = await Promise.all([
      tracking.runs.get(runId),
      tracking.runs.inputs(runId),
      tracking.models.logged.outputsOf(runId),
    ]);
    return {
      run: {
        ...wireRun(run, { dataset_inputs: inputs.map((i) => ({ dataset: i.dataset, tags: i.tags })) }),
        outputs: { model_outputs: outputs.map((o) => ({ model_id: o.modelId, step: Number(o.step) })) },
      },
    };
  });
  route("/runs/update", async (who, body) => {
    const { row } = await access.run(who, runIdOf(body), "editor");
    const info = await tracking.runs.update(row, {
      status: str(body.status),
      endTime: parseInt64(body.end_time),
      runName: str(body.run_name),
    });
    return { run_info: wireRunInfo(info) };
  });
  route("/runs/delete", async (who, body) => {
    const { row } = await access.run(who, runIdOf(body), "editor");
    await tracking.runs.setStage(row, "deleted");
    return {};
  });
  route("/runs/restore", async (who, body) => {
    const { row } = await access.run(who, runIdOf(body), "editor");
    await tracking.runs.setStage(row, "active");
    return {};
  });
  route("/runs/search", async (who, body) => {
    const readable = await access.readableProjects(who);
    const ids = list(body.experiment_ids).map((id) => experimentIdOf(id));
    const visible: number[] = [];
    for (const id of ids) {
      const exp = await tracking.experiments.get(id).catch(() => null);
      if (exp && (readable === null || readable.includes(exp.projectId))) visible.push(id);
    }
    const max = maxResultsOf(body.max_results, 1000, 50000);
    const offset = offsetOf(body.page_token);
    const found = await tracking.runs.search({
      experimentIds: visible,
      filter: str(body.filter),
      orderBy: list(body.order_by),
      viewType: viewTypeOf(body.run_view_type),
      maxResults: max + 1,
      offset,
    });
    return {
      runs: found.slice(0, max).map((r) => wireRun(r)),
      ...(found.length > max ? { next_page_token: pageToken(offset + max) } : {}),
    };
  });
  route("/runs/log-metric", async (who, body) => {
    const runId = runIdOf(body);
    await access.run(who, runId, "editor");
    if (parseDouble(body.value) === undefined)
      throw new TrackingError(
        MlflowCode.invalid,
        `Got invalid value ${JSON.stringify(body.value)} for metric '${String(body.key)}'`,
      );
    await tracking.runs.logBatch(runId, {
      metrics: [{ key: body.key, value: body.value, timestamp: body.timestamp ?? Date.now(), step: body.step }],
    });
    return {};
  });
  route("/runs/log-parameter", async (who, body) => {
    const runId = runIdOf(body);
    await access.run(who, runId, "editor");
    await tracking.runs.logBatch(runId, { params: [{ key: body.key, value: body.value }] });
    return {};
  });
  route("/runs/set-tag", async (who, body) => {
    const runId = runIdOf(body);
    if (body.value !== undefined && typeof body.value !== "string")
      throw new TrackingError(
        MlflowCode.invalid,
        `Invalid value ${JSON.stringify(body.value)} for parameter 'value' supplied`,
      );
    await access.run(who, runId, "editor");
    await tracking.runs.logBatch(runId, { tags: [{ key: body.key, value: body.value }] });
    return {};
  });
  route("/runs/delete-tag", async (who, body) => {
    const runId = runIdOf(body);
    await access.run(who, runId, "editor");
    await tracking.runs.deleteTag(runId, required(body, "key"));
    return {};
  });
  route("/runs/log-batch", async (who, body) => {
    const runId = runIdOf(body);
    await access.run(who, runId, "editor");
    await tracking.runs.logBatch(runId, body as never);
    return {};
  });
  route("/runs/log-inputs", async (who, body) => {
    const runId = runIdOf(body);
    await access.run(who, runId, "editor");
    await tracking.runs.logInputs(runId, body.datasets);
    return {};
  });
  route("/metrics/get-history", async (who, body) => {
    const runId = runIdOf(body);
    await access.run(who, runId, "viewer");
    const key = required(body, "metric_key");
    const max = body.max_results === undefined ? undefined : maxResultsOf(body.max_results, 25000, 1_000_000);
    const offset = offsetOf(body.page_token);
    const points = await tracking.runs.metricHistory(runId, key, max === undefined ? {} : { limit: max + 1, offset });
    const more = max !== undefined && points.length > max;
    return {
      metrics: (more ? points.slice(0, max) : points).map(wireMetric),
      ...(more ? { next_page_token: pageToken(offset + max!) } : {}),
    };
  });
  route("/artifacts/list", async (who, body) => {
    const runId = runIdOf(body);
    const { row } = await access.run(who, runId, "viewer");
    const sub = (str(body.path) ?? "").replace(/^\/+|\/+$/g, "");
    if (sub.split("/").some((p) => p === ".." || p === "."))
      throw new TrackingError(MlflowCode.invalid, "Invalid path");
    const root = `${row.experimentId}/${runId}/artifacts`;
    const path = parseArtifactPath(sub ? `${root}/${sub}` : root);
    const entries = await tracking.artifacts.list(path);
    return {
      root_uri: `mlflow-artifacts:/${root}`,
      files: entries.map((e) => ({
        path: sub ? `${sub}/${e.path}` : e.path,
        is_dir: e.isDir,
        ...(e.size !== undefined ? { file_size: e.size } : {}),
      })),
    };
  });

  mlflowModelRoutes(route, tracking, access);

  // Anything else under the MLflow prefix answers in MLflow's terms, never with Tandem's shape.
  app.all("*", (c) =>
    c.json(
      { error_code: MlflowCode.endpointNotFound, message: `No MLflow endpoint ${c.req.method} ${c.req.path}` },
      404,
    ),
  );
  return app;
}
