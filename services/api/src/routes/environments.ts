import { createRoute } from "@hono/zod-openapi";
import { localSourceReason } from "@tandem/envs";
import { editsSomeProject } from "@tandem/projects";
import { CreateEnvironmentBody, Environment, GcResult, GpuStatus, IdParam } from "@tandem/protocol";
import { z } from "zod";
import type { Identity } from "../auth/identity.ts";
import { type ApiDeps, requireIdentity, router } from "../context.ts";
import { badRequest, conflict, forbidden, notFound } from "../errors.ts";
import { errorResponses, json, jsonBody, noContent, secured } from "../openapi.ts";

const tags = ["environments"];
const text = (description: string) => ({ description, content: { "text/plain": { schema: z.string() } } });

const listEnvironments = createRoute({
  method: "get",
  path: "/environments",
  tags,
  summary: "Every environment (they are shared by all signed-in users)",
  security: secured,
  responses: { 200: json(z.array(Environment), "Environments"), 401: errorResponses[401] },
});
const createEnvironment = createRoute({
  method: "post",
  path: "/environments",
  tags,
  summary: "Declare an environment; it is resolved and built in the background (editors of any project)",
  security: secured,
  request: jsonBody(CreateEnvironmentBody),
  responses: { 201: json(Environment, "Created; `status` moves to `ready` or `failed`"), ...errorResponses },
});
const getEnvironment = createRoute({
  method: "get",
  path: "/environments/{id}",
  tags,
  summary: "One environment: spec, status, lock (packages), size",
  security: secured,
  request: { params: IdParam },
  responses: { 200: json(Environment, "The environment"), ...errorResponses },
});
const buildEnvironment = createRoute({
  method: "post",
  path: "/environments/{id}/build",
  tags,
  summary: "Build again: a failed environment, or one whose directory was removed (from its stored lock)",
  security: secured,
  request: { params: IdParam },
  responses: { 202: json(Environment, "Queued (or already ready)"), ...errorResponses },
});
const environmentLogs = createRoute({
  method: "get",
  path: "/environments/{id}/logs",
  tags,
  summary: "The build log; with `follow=true`, streamed (chunked) until the build ends",
  security: secured,
  request: { params: IdParam, query: z.object({ follow: z.enum(["true", "false", "1", "0"]).optional() }) },
  responses: { 200: text("The log, as text"), ...errorResponses },
});
const exportRequirements = createRoute({
  method: "get",
  path: "/environments/{id}/requirements.txt",
  tags,
  summary: "The lock as a requirements.txt with hashes (`pip install --require-hashes -r`)",
  security: secured,
  request: { params: IdParam },
  responses: { 200: text("requirements.txt"), ...errorResponses, 409: errorResponses[400] },
});
const deleteEnvironment = createRoute({
  method: "delete",
  path: "/environments/{id}",
  tags,
  summary: "Forget an environment version (its creator or an admin); files go at the next garbage collection",
  security: secured,
  request: { params: IdParam },
  responses: { 204: noContent, ...errorResponses, 409: errorResponses[400] },
});
const collectGarbage = createRoute({
  method: "post",
  path: "/environments/gc",
  tags,
  summary: "Remove built directories no environment version references (admins)",
  security: secured,
  responses: { 200: json(GcResult, "What was removed"), 401: errorResponses[401], 403: errorResponses[403] },
});
const gpuStatus = createRoute({
  method: "get",
  path: "/gpus",
  tags,
  summary: "The machine's GPUs, who holds each, and who is waiting",
  security: secured,
  responses: { 200: json(GpuStatus, "GPUs and queue"), 401: errorResponses[401] },
});

export function environmentRoutes({ db, envs }: ApiDeps) {
  /** Environments are global; anyone who edits some project (or an admin) may create them. */
  async function requireCreator(who: Identity) {
    if (!(await editsSomeProject(db, who))) throw forbidden("Creating environments needs the editor role in a project");
  }

  async function load(id: string) {
    const env = await envs.get(id);
    if (!env) throw notFound("Environment");
    return env;
  }

  const isAdmin = (who: Identity) => who.user.isAdmin && !who.projectScope;

  return router()
    .openapi(listEnvironments, async (c) => {
      requireIdentity(c);
      return c.json(await envs.list(), 200);
    })
    .openapi(createEnvironment, async (c) => {
      const who = requireIdentity(c);
      await requireCreator(who);
      const spec = c.req.valid("json");
      // Both reach into the server's own files: a local wheel directory, an interpreter to run.
      if (spec.base && !isAdmin(who)) throw forbidden("Building on a base interpreter is for admins");
      if (spec.pyproject && !/^\s*\[project\]/m.test(spec.pyproject)) throw badRequest("pyproject: no [project] table");
      // Any requirement that makes uv read the server's own disk is for admins, like file: sources.
      const local = localSourceReason(spec);
      if (local && !isAdmin(who)) throw forbidden(`Local-path requirements are for admins: ${local}`);
      return c.json(await envs.create(spec, who.user.id), 201);
    })
    .openapi(getEnvironment, async (c) => {
      requireIdentity(c);
      return c.json(await load(c.req.valid("param").id), 200);
    })
    .openapi(buildEnvironment, async (c) => {
      const who = requireIdentity(c);
      await requireCreator(who);
      await load(c.req.valid("param").id);
      return c.json((await envs.build(c.req.valid("param").id))!, 202);
    })
    .openapi(environmentLogs, async (c) => {
      requireIdentity(c);
      const { id } = c.req.valid("param");
      const follow = ["true", "1"].includes(c.req.valid("query").follow ?? "");
      const log = await envs.logs(id);
      if (log === null) throw notFound("Environment");
      const headers = { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" };
      if (typeof log === "string") return c.text(log, 200, headers);
      if (!follow) return c.text(log.content, 200, headers);
      const chunks = log.follow();
      const encoder = new TextEncoder();
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        },
        async cancel() {
          await chunks.return(undefined);
        },
      });
      // A streamed body is still the documented text/plain answer.
      return c.body(stream, 200, { ...headers, "x-content-type-options": "nosniff" }) as unknown as ReturnType<
        typeof c.text<string, 200>
      >;
    })
    .openapi(exportRequirements, async (c) => {
      requireIdentity(c);
      const env = await load(c.req.valid("param").id);
      const txt = await envs.requirementsTxt(env.id);
      if (!txt) throw conflict(`The environment is ${env.status}; it has no lock yet`);
      return c.text(txt, 200, {
        "content-type": "text/plain; charset=utf-8",
        "content-disposition": `attachment; filename="requirements.txt"`,
      });
    })
    .openapi(deleteEnvironment, async (c) => {
      const who = requireIdentity(c);
      const env = await load(c.req.valid("param").id);
      if (env.createdBy !== who.user.id && !isAdmin(who))
        throw forbidden("Only its creator or an admin may delete an environment");
      await envs.delete(env.id);
      return c.body(null, 204);
    })
    .openapi(collectGarbage, async (c) => {
      if (!isAdmin(requireIdentity(c))) throw forbidden("Garbage collection is for admins");
      return c.json(await envs.gc(), 200);
    })
    .openapi(gpuStatus, async (c) => {
      requireIdentity(c);
      return c.json(envs.gpus.status(), 200);
    });
}
