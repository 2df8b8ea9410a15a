import { createRoute } from "@hono/zod-openapi";
import { requireProject, roleAtLeast, roleOf } from "@tandem/projects";
import {
  AliasHistory,
  AliasHistoryQuery,
  AliasName,
  CreateRegisteredModel,
  IdParam,
  ModelLineage,
  ModelName,
  type ModelVersionSummary,
  RegisteredModelDetail,
  RegisteredModelSummary,
  RegisterVersion,
  type Role,
  SetAlias,
} from "@tandem/protocol";
import { type ModelVersion, type RegisteredModel, TrackingError } from "@tandem/tracking";
import { z } from "zod";
import type { Identity } from "../auth/identity.ts";
import { type ApiDeps, requireIdentity, router } from "../context.ts";
import { ApiError, badRequest, conflict, forbidden, notFound } from "../errors.ts";
import { errorResponses, json, jsonBody, noContent, secured } from "../openapi.ts";

const tags = ["models"];
const NameParam = z.object({ name: ModelName });
const VersionParam = z.object({ name: ModelName, version: z.coerce.number().int().min(1) });
const AliasParam = z.object({ name: ModelName, alias: AliasName });
const withConflict = { ...errorResponses, 409: errorResponses[400] } as const;

const r = {
  list: createRoute({
    method: "get",
    path: "/projects/{id}/models",
    tags,
    summary: "A project's registered models: latest version, aliases, last update",
    security: secured,
    request: { params: IdParam },
    responses: { 200: json(z.array(RegisteredModelSummary), "Models"), ...errorResponses },
  }),
  create: createRoute({
    method: "post",
    path: "/projects/{id}/models",
    tags,
    summary: "Create a registered model in a project (editors)",
    security: secured,
    request: { params: IdParam, ...jsonBody(CreateRegisteredModel) },
    responses: { 201: json(RegisteredModelSummary, "The model"), ...withConflict },
  }),
  get: createRoute({
    method: "get",
    path: "/models/{name}",
    tags,
    summary: "A registered model with its versions (aliases, each version's run metrics)",
    security: secured,
    request: { params: NameParam },
    responses: { 200: json(RegisteredModelDetail, "The model"), ...errorResponses },
  }),
  remove: createRoute({
    method: "delete",
    path: "/models/{name}",
    tags,
    summary: "Delete a registered model and its versions (409 while something depends on it)",
    security: secured,
    request: { params: NameParam },
    responses: { 204: noContent, ...withConflict },
  }),
  register: createRoute({
    method: "post",
    path: "/models/{name}/versions",
    tags,
    summary: "Register a new version from a run's logged model, a logged model or a model URI",
    security: secured,
    request: { params: NameParam, ...jsonBody(RegisterVersion) },
    responses: { 201: json(RegisteredModelDetail.shape.versions.element, "The version"), ...errorResponses },
  }),
  removeVersion: createRoute({
    method: "delete",
    path: "/models/{name}/versions/{version}",
    tags,
    summary: "Delete a version (409 while something depends on it)",
    security: secured,
    request: { params: VersionParam },
    responses: { 204: noContent, ...withConflict },
  }),
  getVersion: createRoute({
    method: "get",
    path: "/models/{name}/versions/{version}",
    tags,
    summary: "One version by number",
    security: secured,
    request: { params: VersionParam },
    responses: { 200: json(RegisteredModelDetail.shape.versions.element, "The version"), ...errorResponses },
  }),
  setAlias: createRoute({
    method: "put",
    path: "/models/{name}/aliases/{alias}",
    tags,
    summary: "Point an alias at a version (recorded in the alias history)",
    security: secured,
    request: { params: AliasParam, ...jsonBody(SetAlias) },
    responses: { 200: json(RegisteredModelSummary, "The model"), ...withConflict },
  }),
  deleteAlias: createRoute({
    method: "delete",
    path: "/models/{name}/aliases/{alias}",
    tags,
    summary: "Remove an alias (recorded in the alias history)",
    security: secured,
    request: { params: AliasParam },
    responses: { 204: noContent, ...withConflict },
  }),
  history: createRoute({
    method: "get",
    path: "/models/{name}/alias-history",
    tags,
    summary: "Every alias move (who, when, from, to); with `at`, where each alias pointed at that time",
    security: secured,
    request: { params: NameParam, query: AliasHistoryQuery },
    responses: { 200: json(AliasHistory, "The history"), ...errorResponses },
  }),
  version: createRoute({
    method: "get",
    path: "/model-versions/{id}",
    tags,
    summary: "One model version by id",
    security: secured,
    request: { params: IdParam },
    responses: { 200: json(RegisteredModelDetail.shape.versions.element, "The version"), ...errorResponses },
  }),
  lineage: createRoute({
    method: "get",
    path: "/model-versions/{id}/lineage",
    tags,
    summary: "A version's lineage: logged model, run, notebook revision, environment, GPUs, params, metrics, datasets",
    security: secured,
    request: { params: IdParam },
    responses: { 200: json(ModelLineage, "The lineage"), ...errorResponses },
  }),
};

/** Tracking's errors in Tandem's shape. */
function asApiError(err: unknown): never {
  if (err instanceof TrackingError) {
    if (err.status === 404) throw new ApiError(404, "not_found", err.message);
    if (err.code === "RESOURCE_CONFLICT" || err.code === "RESOURCE_ALREADY_EXISTS") throw conflict(err.message);
    if (err.status === 403) throw forbidden(err.message);
    throw badRequest(err.message);
  }
  throw err;
}
const guarded = <T>(p: Promise<T>) => p.catch(asApiError);

/** Parses `at` as epoch milliseconds or an ISO 8601 time. */
function timeOf(raw: string): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(n)) throw badRequest(`'at' must be an ISO 8601 time or epoch milliseconds, got '${raw}'`);
  return n;
}

export function modelRoutes({ db, tracking }: ApiDeps) {
  const models = tracking.models;

  async function modelFor(who: Identity, name: string, needed: Role) {
    const row = await models.registered.row(name).catch(() => null);
    const role = row ? await roleOf(db, who, row.projectId) : null;
    if (!row || !role) throw notFound("Model");
    if (!roleAtLeast(role, needed)) throw forbidden(`This needs the ${needed} role in the project; you are ${role}`);
    return row;
  }
  async function versionFor(who: Identity, id: string) {
    const v = await models.versions.byId(id).catch(() => null);
    const role = v ? await roleOf(db, who, v.projectId) : null;
    if (!v || !role) throw notFound("Model version");
    return v;
  }
  async function summaries(list: RegisteredModel[]) {
    return Promise.all(
      list.map(async (m) => {
        const [latest] = await models.versions.search({
          projectIds: null,
          registeredModelId: m.id,
          limit: 1,
          offset: 0,
        });
        return summary(m, latest?.version ?? null);
      }),
    );
  }
  async function versionsWithMetrics(list: ModelVersion[]): Promise<ModelVersionSummary[]> {
    const metrics = await models.versions.runMetrics(list.flatMap((v) => (v.runId ? [v.runId] : [])));
    return list.map((v) => versionSummary(v, (v.runId && metrics.get(v.runId)) || {}));
  }

  return router()
    .openapi(r.list, async (c) => {
      const { project } = await requireProject(db, requireIdentity(c), c.req.valid("param").id, "viewer");
      const found = await models.registered.search({ projectIds: [project.id], limit: 10_000, offset: 0 });
      return c.json(await summaries(found), 200);
    })
    .openapi(r.create, async (c) => {
      const who = requireIdentity(c);
      const { project } = await requireProject(db, who, c.req.valid("param").id, "editor");
      const body = c.req.valid("json");
      const m = await guarded(
        models.registered.create({
          projectId: project.id,
          name: body.name,
          description: body.description,
          userId: who.user.id,
        }),
      );
      return c.json(summary(m, null), 201);
    })
    .openapi(r.get, async (c) => {
      const row = await modelFor(requireIdentity(c), c.req.valid("param").name, "viewer");
      const [m, versions] = await Promise.all([
        models.registered.byId(row.id),
        models.versions.search({ projectIds: null, registeredModelId: row.id, limit: 10_000, offset: 0 }),
      ]);
      return c.json(
        { ...summary(m, versions[0]?.version ?? null), versions: await versionsWithMetrics(versions) },
        200,
      );
    })
    .openapi(r.remove, async (c) => {
      const row = await modelFor(requireIdentity(c), c.req.valid("param").name, "editor");
      await guarded(models.registered.delete(row));
      return c.body(null, 204);
    })
    .openapi(r.register, async (c) => {
      const who = requireIdentity(c);
      const row = await modelFor(who, c.req.valid("param").name, "editor");
      const body = c.req.valid("json");
      let source = body.source;
      let modelId = body.modelId;
      if (body.runId && !source && !modelId) {
        // A run's logged model by its name (MLflow's `runs:/<run>/<name>`), else the run's artifacts.
        const run = await tracking.runs.row(body.runId).catch(() => null);
        if (!run) throw notFound("Run");
        const name = body.artifactPath ?? "model";
        const logged = await models.logged.search({
          experimentIds: [run.experimentId],
          filter: `name = '${name.replaceAll("'", "\\'")}' and source_run_id = '${run.id}'`,
          limit: 1,
          offset: 0,
        });
        if (logged[0]) modelId = logged[0].id;
        else source = `runs:/${run.id}/${name}`;
      }
      const resolved = await guarded(
        models.versions.resolveSource({ source: source ?? `models:/${modelId}`, runId: body.runId, modelId }),
      );
      // The source may be in another project: reading that project is enough.
      for (const projectId of resolved.projectIds) if (!(await roleOf(db, who, projectId))) throw notFound("Source");
      const v = await guarded(
        models.versions.create({
          model: row,
          resolved,
          description: body.description,
          userId: who.user.id,
          userName: who.user.email,
        }),
      );
      return c.json((await versionsWithMetrics([v]))[0]!, 201);
    })
    .openapi(r.getVersion, async (c) => {
      const { name, version } = c.req.valid("param");
      const row = await modelFor(requireIdentity(c), name, "viewer");
      const v = await guarded(models.versions.get(row, version));
      return c.json((await versionsWithMetrics([v]))[0]!, 200);
    })
    .openapi(r.removeVersion, async (c) => {
      const who = requireIdentity(c);
      const { name, version } = c.req.valid("param");
      const row = await modelFor(who, name, "editor");
      const v = await guarded(models.versions.get(row, version));
      await guarded(models.versions.delete(v, who.user.id));
      return c.body(null, 204);
    })
    .openapi(r.setAlias, async (c) => {
      const who = requireIdentity(c);
      const { name, alias } = c.req.valid("param");
      const row = await modelFor(who, name, "editor");
      await guarded(models.aliases.set(row, alias, c.req.valid("json").version, who.user.id));
      return c.json((await summaries([await models.registered.byId(row.id)]))[0]!, 200);
    })
    .openapi(r.deleteAlias, async (c) => {
      const who = requireIdentity(c);
      const { name, alias } = c.req.valid("param");
      const row = await modelFor(who, name, "editor");
      await guarded(models.aliases.delete(row, alias, who.user.id));
      return c.body(null, 204);
    })
    .openapi(r.history, async (c) => {
      const row = await modelFor(requireIdentity(c), c.req.valid("param").name, "viewer");
      const q = c.req.valid("query");
      const events = await models.aliases.history(row, q.alias);
      const at = q.at === undefined ? null : await models.aliases.at(row, timeOf(q.at));
      const aliasesAt = at && q.alias ? Object.fromEntries(Object.entries(at).filter(([a]) => a === q.alias)) : at;
      return c.json({ events, aliasesAt }, 200);
    })
    .openapi(r.version, async (c) => {
      const v = await versionFor(requireIdentity(c), c.req.valid("param").id);
      return c.json((await versionsWithMetrics([v]))[0]!, 200);
    })
    .openapi(r.lineage, async (c) => {
      const v = await versionFor(requireIdentity(c), c.req.valid("param").id);
      const l = await models.versions.lineage(v);
      const [version] = await versionsWithMetrics([v]);
      return c.json(
        {
          ...l,
          version: version!,
          loggedModel: l.loggedModel && {
            id: l.loggedModel.id,
            name: l.loggedModel.name,
            experimentId: String(l.loggedModel.experimentId),
            artifactUri: l.loggedModel.artifactUri,
            status: l.loggedModel.status,
            modelType: l.loggedModel.modelType,
            params: l.loggedModel.params,
            mlmodel: l.loggedModel.mlmodel,
            inputExample: l.loggedModel.inputExample,
            artifacts: l.loggedModel.artifacts,
          },
          run: l.run && { ...l.run, experimentId: String(l.run.experimentId) },
        },
        200,
      );
    });
}

function summary(m: RegisteredModel, latestVersion: number | null) {
  return {
    id: m.id,
    name: m.name,
    projectId: m.projectId,
    description: m.description,
    tags: m.tags,
    aliases: Object.fromEntries(m.aliases.map((a) => [a.alias, a.version])),
    latestVersion,
    creationTime: m.creationTime,
    lastUpdatedTime: m.lastUpdatedTime,
  };
}

function versionSummary(v: ModelVersion, metrics: Record<string, number>): ModelVersionSummary {
  return {
    id: v.id,
    name: v.name,
    version: v.version,
    source: v.source,
    runId: v.runId,
    modelId: v.modelId,
    description: v.description,
    stage: v.currentStage,
    aliases: v.aliases,
    tags: v.tags,
    createdBy: v.createdBy,
    creationTime: v.creationTime,
    lastUpdatedTime: v.lastUpdatedTime,
    metrics,
  };
}
