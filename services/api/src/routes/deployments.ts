import { createRoute } from "@hono/zod-openapi";
import { requireProject, roleAtLeast, roleOf } from "@tandem/projects";
import {
  CreateDeployment,
  Deployment,
  DeploymentHistoryEntry,
  IdParam,
  type Role,
  UpdateDeployment,
} from "@tandem/protocol";
import { Hono } from "hono";
import { z } from "zod";
import { bearerOf, credentialsOf, resolveIdentity } from "../auth/identity.ts";
import { type ApiDeps, type AppEnv, requireIdentity, router } from "../context.ts";
import { forbidden, notFound } from "../errors.ts";
import { errorResponses, json, jsonBody, noContent, secured } from "../openapi.ts";

const tags = ["deployments"];
/** A deployment by id or by name (names are unique on the server). */
const RefParam = z.object({ id: z.string().min(1).max(100).describe("The deployment's id or name") });
const withConflict = { ...errorResponses, 409: errorResponses[400] } as const;
const action = (path: string, summary: string) =>
  createRoute({
    method: "post",
    path,
    tags,
    summary,
    security: secured,
    request: { params: RefParam },
    responses: { 200: json(Deployment, "The deployment"), ...withConflict },
  });

const r = {
  list: createRoute({
    method: "get",
    path: "/projects/{id}/deployments",
    tags,
    summary: "A project's deployments",
    security: secured,
    request: { params: IdParam },
    responses: { 200: json(z.array(Deployment), "Deployments"), ...errorResponses },
  }),
  create: createRoute({
    method: "post",
    path: "/projects/{id}/deployments",
    tags,
    summary: "Deploy a registered model's alias or version as an HTTP endpoint (editors)",
    description:
      "Answers at once with status `building`; `GET /api/deployments/{id}` shows `ready` once it serves " +
      "`POST /deployments/{name}/invocations` (MLflow's scoring protocol, `Authorization: Bearer <token>`).",
    security: secured,
    request: { params: IdParam, ...jsonBody(CreateDeployment) },
    responses: { 201: json(Deployment, "The deployment"), ...withConflict },
  }),
  get: createRoute({
    method: "get",
    path: "/deployments/{id}",
    tags,
    summary: "A deployment: status and reason, versions served, replicas",
    security: secured,
    request: { params: RefParam },
    responses: { 200: json(Deployment, "The deployment"), ...errorResponses },
  }),
  update: createRoute({
    method: "patch",
    path: "/deployments/{id}",
    tags,
    summary: "Change what it serves, its replicas or canary: a rollout with no failed request (editors)",
    security: secured,
    request: { params: RefParam, ...jsonBody(UpdateDeployment) },
    responses: { 200: json(Deployment, "The deployment, after the rollout"), ...withConflict },
  }),
  rollback: action("/deployments/{id}/rollback", "Back to the version served before, pinned (editors)"),
  stop: action("/deployments/{id}/stop", "Stop its replicas; the endpoint answers 503 (editors)"),
  start: action("/deployments/{id}/start", "Start a stopped deployment again (editors)"),
  remove: createRoute({
    method: "delete",
    path: "/deployments/{id}",
    tags,
    summary: "Stop and delete a deployment (editors)",
    security: secured,
    request: { params: RefParam },
    responses: { 204: noContent, ...errorResponses },
  }),
  history: createRoute({
    method: "get",
    path: "/deployments/{id}/history",
    tags,
    summary: "Every change: who, when, which versions (newest first)",
    security: secured,
    request: { params: RefParam },
    responses: { 200: json(z.array(DeploymentHistoryEntry), "History"), ...errorResponses },
  }),
  logs: createRoute({
    method: "get",
    path: "/deployments/{id}/logs",
    tags,
    summary: "Each replica's latest output (text)",
    security: secured,
    request: { params: RefParam },
    responses: { 200: { description: "Logs", content: { "text/plain": { schema: z.string() } } }, ...errorResponses },
  }),
};

/** `/api/...` deployment management. */
export function deploymentRoutes({ db, serving }: ApiDeps) {
  async function deploymentFor(c: Parameters<typeof requireIdentity>[0], id: string, needed: Role) {
    const who = requireIdentity(c);
    const projectId = await serving.projectOf(id).catch(() => null);
    const role = projectId ? await roleOf(db, who, projectId) : null;
    if (!projectId || !role) throw notFound("Deployment");
    if (!roleAtLeast(role, needed)) throw forbidden(`This needs the ${needed} role in the project; you are ${role}`);
    return who;
  }
  return router()
    .openapi(r.list, async (c) => {
      const { project } = await requireProject(db, requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.json(await serving.list(project.id), 200);
    })
    .openapi(r.create, async (c) => {
      const who = requireIdentity(c);
      const { project } = await requireProject(db, who, c.req.valid("param").id, "editor");
      return c.json(await serving.create(project.id, c.req.valid("json"), who.user.id), 201);
    })
    .openapi(r.get, async (c) => {
      const { id } = c.req.valid("param");
      await deploymentFor(c, id, "viewer");
      return c.json(await serving.get(id), 200);
    })
    .openapi(r.update, async (c) => {
      const { id } = c.req.valid("param");
      const who = await deploymentFor(c, id, "editor");
      return c.json(await serving.update(id, c.req.valid("json"), who.user.id), 200);
    })
    .openapi(r.rollback, async (c) => {
      const { id } = c.req.valid("param");
      const who = await deploymentFor(c, id, "editor");
      return c.json(await serving.rollback(id, who.user.id), 200);
    })
    .openapi(r.stop, async (c) => {
      const { id } = c.req.valid("param");
      const who = await deploymentFor(c, id, "editor");
      return c.json(await serving.setRunning(id, false, who.user.id), 200);
    })
    .openapi(r.start, async (c) => {
      const { id } = c.req.valid("param");
      const who = await deploymentFor(c, id, "editor");
      return c.json(await serving.setRunning(id, true, who.user.id), 200);
    })
    .openapi(r.remove, async (c) => {
      const { id } = c.req.valid("param");
      await deploymentFor(c, id, "editor");
      await serving.delete(id);
      return c.body(null, 204);
    })
    .openapi(r.history, async (c) => {
      const { id } = c.req.valid("param");
      await deploymentFor(c, id, "viewer");
      return c.json(await serving.history(id), 200);
    })
    .openapi(r.logs, async (c) => {
      const { id } = c.req.valid("param");
      await deploymentFor(c, id, "viewer");
      return c.text(await serving.logs(id), 200);
    });
}

const mlflowError = (status: 401 | 403 | 404, error_code: string, message: string) =>
  new Response(JSON.stringify({ error_code, message }), { status, headers: { "content-type": "application/json" } });

/**
 * `/deployments/<name>/<op>`: the scoring endpoint, MLflow's protocol and error shape. A token of
 * the deployment's project (any member's, viewers included) may call it; no token is 401, a token
 * that does not reach the project 403.
 */
export function deploymentProxy({ db, serving, clock }: ApiDeps) {
  return new Hono<AppEnv>().all("/:name/:op{invocations|ping|health|version}", async (c) => {
    const started = performance.now();
    const { name, op } = c.req.param();
    // Refusals are recorded too (under the deployment when the name is one), off the answer's path.
    const refuse = (status: 401 | 403 | 404, error_code: string, message: string) => {
      const bytesIn = Number(c.req.header("content-length")) || 0;
      void serving.refused(name, status, (performance.now() - started) / 1000, bytesIn).catch(() => {});
      return mlflowError(status, error_code, message);
    };
    const creds = credentialsOf(c.req.raw.headers, c.req.url);
    if (!bearerOf(creds)) return refuse(401, "UNAUTHENTICATED", "Send Authorization: Bearer <token>");
    const who = await resolveIdentity(db, { ...creds, cookie: null }, clock?.());
    if (!who) return refuse(401, "UNAUTHENTICATED", "The API token is invalid, expired or revoked");
    const projectId = await serving.projectOf(name).catch(() => null);
    if (!projectId) return refuse(404, "RESOURCE_DOES_NOT_EXIST", `No deployment named '${name}'`);
    if (!(await roleOf(db, who, projectId)))
      return refuse(403, "PERMISSION_DENIED", `This token does not reach deployment '${name}'`);
    const body = c.req.method === "POST" ? await c.req.arrayBuffer() : null;
    return serving.invoke(name, op, { method: c.req.method, contentType: c.req.header("content-type") ?? null, body });
  });
}
