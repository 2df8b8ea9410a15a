import { Readable } from "node:stream";
import { createRoute } from "@hono/zod-openapi";
import { requireProject, roleAtLeast, roleOf } from "@tandem/projects";
import type { Role } from "@tandem/protocol";
import {
  ArtifactEntry,
  ExperimentId,
  IdParam,
  MetricHistory,
  MetricHistoryQuery,
  RunDetail,
  RunId,
  RunPage,
  type RunSummary,
  RunTableQuery,
  TrackedExperiment,
} from "@tandem/protocol";
import { type Experiment, type MlflowRun, parseArtifactPath } from "@tandem/tracking";
import { z } from "zod";
import type { Identity } from "../auth/identity.ts";
import { type ApiDeps, requireIdentity, router } from "../context.ts";
import { badRequest, forbidden, notFound } from "../errors.ts";
import { offsetOf, pageToken, wireDouble } from "../mlflow-wire.ts";
import { errorResponses, json, secured } from "../openapi.ts";

const tags = ["experiments"];
const ExpParam = z.object({ id: ExperimentId });
const RunParam = z.object({ id: RunId });

const listExperiments = createRoute({
  method: "get",
  path: "/projects/{id}/experiments",
  tags,
  summary: "Experiments of a project",
  security: secured,
  request: { params: IdParam, query: z.object({ view: z.enum(["active", "deleted", "all"]).default("active") }) },
  responses: { 200: json(z.array(TrackedExperiment), "Experiments"), ...errorResponses },
});
const getExperiment = createRoute({
  method: "get",
  path: "/experiments/{id}",
  tags,
  summary: "One experiment",
  security: secured,
  request: { params: ExpParam },
  responses: { 200: json(TrackedExperiment, "The experiment"), ...errorResponses },
});
const listRuns = createRoute({
  method: "get",
  path: "/experiments/{id}/runs",
  tags,
  summary: "The run table: a page of runs with params and latest metrics, sorted and filtered server-side",
  security: secured,
  request: { params: ExpParam, query: RunTableQuery },
  responses: { 200: json(RunPage, "A page of runs"), ...errorResponses },
});
const getRun = createRoute({
  method: "get",
  path: "/experiment-runs/{id}",
  tags,
  summary: "One run: info, params, tags, latest metrics, inputs",
  security: secured,
  request: { params: RunParam },
  responses: { 200: json(RunDetail, "The run"), ...errorResponses },
});
const metricHistory = createRoute({
  method: "get",
  path: "/experiment-runs/{id}/metric-history",
  tags,
  summary: "Every point of one metric, by step",
  security: secured,
  request: { params: RunParam, query: MetricHistoryQuery },
  responses: { 200: json(MetricHistory, "The series"), ...errorResponses },
});
const listArtifacts = createRoute({
  method: "get",
  path: "/experiment-runs/{id}/artifacts",
  tags,
  summary: "Files and folders directly under a path of the run's artifacts",
  security: secured,
  request: { params: RunParam, query: z.object({ path: z.string().default("") }) },
  responses: { 200: json(z.array(ArtifactEntry), "Entries"), ...errorResponses },
});
const downloadArtifact = createRoute({
  method: "get",
  path: "/experiment-runs/{id}/artifacts/content",
  tags,
  summary: "Download one artifact file",
  security: secured,
  request: { params: RunParam, query: z.object({ path: z.string().min(1) }) },
  responses: {
    200: {
      description: "The file",
      content: { "application/octet-stream": { schema: z.string().meta({ format: "binary" }) } },
    },
    ...errorResponses,
  },
});

export const toTrackedExperiment = (e: Experiment): TrackedExperiment => ({
  id: String(e.id),
  projectId: e.projectId,
  notebookId: e.notebookId,
  name: e.name,
  lifecycleStage: e.lifecycleStage as "active" | "deleted",
  tags: e.tags,
  creationTime: e.creationTime,
  lastUpdateTime: e.lastUpdateTime,
});

export const toRunSummary = (r: MlflowRun): RunSummary => ({
  id: r.info.runId,
  experimentId: String(r.info.experimentId),
  name: r.info.runName,
  status: r.info.status as RunSummary["status"],
  lifecycleStage: r.info.lifecycleStage as "active" | "deleted",
  startTime: r.info.startTime,
  endTime: r.info.endTime,
  userId: r.info.userId,
  userName: r.info.userName,
  notebookId: r.info.sourceNotebookId,
  notebookRevision: r.info.notebookRevision,
  environmentId: r.info.environmentId,
  gpus: r.info.gpus,
  parentRunId: r.info.parentRunId,
  artifactUri: r.info.artifactUri,
  params: Object.fromEntries(r.data.params.map((p) => [p.key, p.value])),
  metrics: Object.fromEntries(
    r.data.metrics.map((m) => [m.key, { value: wireDouble(m.value), step: m.step, timestamp: m.timestamp }]),
  ),
  tags: Object.fromEntries(r.data.tags.map((t) => [t.key, t.value])),
});

export function experimentRoutes({ db, tracking }: ApiDeps) {
  async function experimentFor(who: Identity, id: string, needed: Role) {
    const exp = await tracking.experiments.get(Number(id)).catch(() => null);
    const role = exp ? await roleOf(db, who, exp.projectId) : null;
    if (!exp || !role) throw notFound("Experiment");
    if (!roleAtLeast(role, needed)) throw forbidden(`This needs the ${needed} role in the project; you are ${role}`);
    return exp;
  }
  async function runFor(who: Identity, id: string) {
    const row = await tracking.runs.row(id).catch(() => null);
    if (!row) throw notFound("Run");
    await experimentFor(who, String(row.experimentId), "viewer").catch(() => {
      throw notFound("Run");
    });
    return row;
  }

  return router()
    .openapi(listExperiments, async (c) => {
      const { project } = await requireProject(db, requireIdentity(c), c.req.valid("param").id, "viewer");
      const view = c.req.valid("query").view;
      const found = await tracking.experiments.search({
        projectIds: [project.id],
        viewType: view === "active" ? "ACTIVE_ONLY" : view === "deleted" ? "DELETED_ONLY" : "ALL",
        orderBy: ["name ASC"],
        maxResults: 10_000,
      });
      return c.json(found.map(toTrackedExperiment), 200);
    })
    .openapi(getExperiment, async (c) => {
      const exp = await experimentFor(requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.json(toTrackedExperiment(exp), 200);
    })
    .openapi(listRuns, async (c) => {
      const exp = await experimentFor(requireIdentity(c), c.req.valid("param").id, "viewer");
      const q = c.req.valid("query");
      const offset = (() => {
        try {
          return offsetOf(q.cursor);
        } catch {
          throw badRequest("Invalid cursor");
        }
      })();
      const orderBy = q.orderBy === undefined ? [] : Array.isArray(q.orderBy) ? q.orderBy : [q.orderBy];
      const found = await tracking.runs.search({
        experimentIds: [exp.id],
        filter: q.filter,
        orderBy,
        viewType: q.view === "active" ? "ACTIVE_ONLY" : q.view === "deleted" ? "DELETED_ONLY" : "ALL",
        maxResults: q.limit + 1,
        offset,
      });
      const more = found.length > q.limit;
      return c.json(
        { runs: found.slice(0, q.limit).map(toRunSummary), nextCursor: more ? pageToken(offset + q.limit) : null },
        200,
      );
    })
    .openapi(getRun, async (c) => {
      const row = await runFor(requireIdentity(c), c.req.valid("param").id);
      const [run, inputs] = await Promise.all([tracking.runs.get(row.id), tracking.runs.inputs(row.id)]);
      return c.json({ ...toRunSummary(run), inputs: inputs.map((i) => ({ dataset: i.dataset, tags: i.tags })) }, 200);
    })
    .openapi(metricHistory, async (c) => {
      const row = await runFor(requireIdentity(c), c.req.valid("param").id);
      const q = c.req.valid("query");
      let offset: number;
      try {
        offset = offsetOf(q.cursor);
      } catch {
        throw badRequest("Invalid cursor");
      }
      const points = await tracking.runs.metricHistory(row.id, q.key, { limit: q.limit + 1, offset });
      const more = points.length > q.limit;
      return c.json(
        {
          key: q.key,
          points: points
            .slice(0, q.limit)
            .map((p) => ({ value: wireDouble(p.value), step: p.step, timestamp: p.timestamp })),
          nextCursor: more ? pageToken(offset + q.limit) : null,
        },
        200,
      );
    })
    .openapi(listArtifacts, async (c) => {
      const row = await runFor(requireIdentity(c), c.req.valid("param").id);
      const sub = c.req.valid("query").path.replace(/^\/+|\/+$/g, "");
      const root = `${row.experimentId}/${row.id}/artifacts`;
      const entries = await (async () => tracking.artifacts.list(parseArtifactPath(sub ? `${root}/${sub}` : root)))();
      return c.json(
        entries.map((e) => ({
          path: sub ? `${sub}/${e.path}` : e.path,
          isDir: e.isDir,
          ...(e.size !== undefined ? { size: e.size } : {}),
        })),
        200,
      );
    })
    .openapi(downloadArtifact, async (c) => {
      const row = await runFor(requireIdentity(c), c.req.valid("param").id);
      const sub = c.req.valid("query").path.replace(/^\/+/, "");
      const file = await (async () =>
        tracking.artifacts.get(parseArtifactPath(`${row.experimentId}/${row.id}/artifacts/${sub}`)))();
      if (!file) throw notFound("Artifact");
      const name = sub.split("/").pop() ?? "artifact";
      return new Response(Readable.toWeb(file.stream) as ReadableStream, {
        headers: {
          "content-type": "application/octet-stream",
          "content-length": String(file.size),
          "content-disposition": `attachment; filename="${name.replace(/["\\\r\n]/g, "_")}"`,
          etag: `"${file.sha256}"`,
        },
      }) as never;
    });
}
