import { createRoute } from "@hono/zod-openapi";
import { requireNotebook, requireProject, roleAtLeast, roleOf } from "@tandem/projects";
import {
  CreateRunBody,
  DetachBody,
  IdParam,
  ListRunsQuery,
  NotebookRun,
  NotebookRunPage,
  RerunBody,
  type Role,
} from "@tandem/protocol";
import { z } from "zod";
import type { Identity } from "../auth/identity.ts";
import { type ApiDeps, requireIdentity, router } from "../context.ts";
import { forbidden, notFound } from "../errors.ts";
import { errorResponses, json, jsonBody, noContent, secured } from "../openapi.ts";

const tags = ["runs"];
const conflictResponse = { 409: errorResponses[400] };

const createRun = createRoute({
  method: "post",
  path: "/notebooks/{id}/runs",
  tags,
  summary: "Run the notebook headlessly on the server, with parameters (editors); recorded as an experiment run",
  security: secured,
  request: { params: IdParam, ...jsonBody(CreateRunBody) },
  responses: { 201: json(NotebookRun, "Queued"), ...errorResponses },
});
const notebookRuns = createRoute({
  method: "get",
  path: "/notebooks/{id}/runs",
  tags,
  summary: "The notebook's runs, newest first",
  security: secured,
  request: { params: IdParam, query: ListRunsQuery.omit({ notebookId: true }) },
  responses: { 200: json(NotebookRunPage, "A page of runs"), ...errorResponses },
});
const projectRuns = createRoute({
  method: "get",
  path: "/projects/{id}/runs",
  tags,
  summary: "The project's runs, newest first (filter by status, job or notebook)",
  security: secured,
  request: { params: IdParam, query: ListRunsQuery },
  responses: { 200: json(NotebookRunPage, "A page of runs"), ...errorResponses },
});
const getRun = createRoute({
  method: "get",
  path: "/runs/{id}",
  tags,
  summary: "One run: status, parameters, per-cell timing, error, metrics, its experiment run",
  security: secured,
  request: { params: IdParam },
  responses: { 200: json(NotebookRun, "The run"), ...errorResponses },
});
const cancelRun = createRoute({
  method: "post",
  path: "/runs/{id}/cancel",
  tags,
  summary: "Cancel a queued or running run (a running one is interrupted within a heartbeat)",
  security: secured,
  request: { params: IdParam },
  responses: { 200: json(NotebookRun, "Cancelled, or being stopped"), ...errorResponses, ...conflictResponse },
});
const retryRun = createRoute({
  method: "post",
  path: "/runs/{id}/retry",
  tags,
  summary: "Run again with the same parameters and settings (a new run)",
  security: secured,
  request: { params: IdParam },
  responses: { 201: json(NotebookRun, "Queued"), ...errorResponses, ...conflictResponse },
});
const rerunRun = createRoute({
  method: "post",
  path: "/runs/{id}/rerun",
  tags,
  summary: "Run again, changing some parameters (a new run)",
  security: secured,
  request: { params: IdParam, ...jsonBody(RerunBody) },
  responses: { 201: json(NotebookRun, "Queued"), ...errorResponses, ...conflictResponse },
});
const runLogs = createRoute({
  method: "get",
  path: "/runs/{id}/logs",
  tags,
  summary: "The run's log: lifecycle events, then each cell's output streams and errors",
  security: secured,
  request: { params: IdParam },
  responses: {
    200: { description: "The log", content: { "text/plain": { schema: z.string() } } },
    ...errorResponses,
  },
});
const runIpynb = createRoute({
  method: "get",
  path: "/runs/{id}/ipynb",
  tags,
  summary: "The run's notebook as executed (nbformat 4), as it stands now while it runs",
  security: secured,
  request: { params: IdParam },
  responses: { 200: json(z.record(z.string(), z.unknown()), "nbformat 4 JSON"), ...errorResponses },
});
const deleteRun = createRoute({
  method: "delete",
  path: "/runs/{id}",
  tags,
  summary: "Forget a finished run and its document (its experiment run stays)",
  security: secured,
  request: { params: IdParam },
  responses: { 204: noContent, ...errorResponses, ...conflictResponse },
});
const detach = createRoute({
  method: "post",
  path: "/notebooks/{id}/detach",
  tags,
  summary:
    "Keep this notebook running: the rest of it, from a cell, runs on the server on the notebook's kernel (state kept), recorded as a run",
  security: secured,
  request: { params: IdParam, ...jsonBody(DetachBody) },
  responses: { 201: json(NotebookRun, "Running"), ...errorResponses, ...conflictResponse },
});

export function notebookRunRoutes({ db, scheduler }: ApiDeps) {
  /** The run, if the caller has `needed` in its project (404 otherwise, as for notebooks). */
  async function runFor(who: Identity, id: string, needed: Role) {
    const run = await scheduler.runs.row(id).catch(() => null);
    const role = run && (await roleOf(db, who, run.projectId));
    if (!run || !role) throw notFound("Run");
    if (!roleAtLeast(role, needed)) throw forbidden(`This needs the ${needed} role in the project; you are ${role}`);
    return run;
  }

  return router()
    .openapi(createRun, async (c) => {
      const who = requireIdentity(c);
      const { notebook } = await requireNotebook(db, who, c.req.valid("param").id, "editor");
      return c.json(await scheduler.runs.create(notebook.id, c.req.valid("json"), { userId: who.user.id }), 201);
    })
    .openapi(notebookRuns, async (c) => {
      const { notebook } = await requireNotebook(db, requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.json(await scheduler.runs.list({ ...c.req.valid("query"), notebookId: notebook.id }), 200);
    })
    .openapi(projectRuns, async (c) => {
      const { project } = await requireProject(db, requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.json(await scheduler.runs.list({ ...c.req.valid("query"), projectId: project.id }), 200);
    })
    .openapi(getRun, async (c) => {
      const run = await runFor(requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.json(await scheduler.runs.get(run.id), 200);
    })
    .openapi(cancelRun, async (c) => {
      const run = await runFor(requireIdentity(c), c.req.valid("param").id, "editor");
      return c.json(await scheduler.runs.cancel(run.id), 200);
    })
    .openapi(retryRun, async (c) => {
      const who = requireIdentity(c);
      const run = await runFor(who, c.req.valid("param").id, "editor");
      return c.json(await scheduler.runs.rerun(run.id, { userId: who.user.id }), 201);
    })
    .openapi(rerunRun, async (c) => {
      const who = requireIdentity(c);
      const run = await runFor(who, c.req.valid("param").id, "editor");
      const { parameters } = c.req.valid("json");
      return c.json(await scheduler.runs.rerun(run.id, { userId: who.user.id }, parameters), 201);
    })
    .openapi(runLogs, async (c) => {
      const run = await runFor(requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.text(await scheduler.runs.logs(run.id), 200, { "cache-control": "no-store" });
    })
    .openapi(runIpynb, async (c) => {
      const run = await runFor(requireIdentity(c), c.req.valid("param").id, "viewer");
      const nb = await scheduler.runs.ipynb(run.id);
      const name = `${run.notebookName.replace(/[^\w.-]+/g, "_")}-run-${run.number}.ipynb`;
      return c.json(nb as Record<string, unknown>, 200, { "content-disposition": `attachment; filename="${name}"` });
    })
    .openapi(deleteRun, async (c) => {
      const run = await runFor(requireIdentity(c), c.req.valid("param").id, "editor");
      await scheduler.runs.delete(run.id);
      return c.body(null, 204);
    })
    .openapi(detach, async (c) => {
      const who = requireIdentity(c);
      const { notebook } = await requireNotebook(db, who, c.req.valid("param").id, "editor");
      const { cellId } = c.req.valid("json");
      return c.json(await scheduler.runs.detach(notebook.id, { userId: who.user.id }, cellId), 201);
    });
}
