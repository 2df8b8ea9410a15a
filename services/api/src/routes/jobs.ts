import { createRoute } from "@hono/zod-openapi";
import { requireProject, roleAtLeast, roleOf } from "@tandem/projects";
import {
  CreateJobBody,
  CronPreview,
  CronPreviewQuery,
  IdParam,
  Job,
  ListRunsQuery,
  NotebookRun,
  NotebookRunPage,
  Parameters,
  type Role,
  UpdateJobBody,
} from "@tandem/protocol";
import { z } from "zod";
import type { Identity } from "../auth/identity.ts";
import { type ApiDeps, requireIdentity, router } from "../context.ts";
import { badRequest, forbidden, notFound } from "../errors.ts";
import { errorResponses, json, jsonBody, noContent, secured } from "../openapi.ts";

const tags = ["jobs"];

const listJobs = createRoute({
  method: "get",
  path: "/projects/{id}/jobs",
  tags,
  summary: "The project's job definitions, with their next fire times and last run",
  security: secured,
  request: { params: IdParam },
  responses: { 200: json(z.array(Job), "Jobs"), ...errorResponses },
});
const createJob = createRoute({
  method: "post",
  path: "/projects/{id}/jobs",
  tags,
  summary: "Define a job: a notebook, parameters and policies, on a cron schedule or run when asked (editors)",
  security: secured,
  request: { params: IdParam, ...jsonBody(CreateJobBody) },
  responses: { 201: json(Job, "Created"), ...errorResponses },
});
const getJob = createRoute({
  method: "get",
  path: "/jobs/{id}",
  tags,
  summary: "One job definition",
  security: secured,
  request: { params: IdParam },
  responses: { 200: json(Job, "The job"), ...errorResponses },
});
const updateJob = createRoute({
  method: "patch",
  path: "/jobs/{id}",
  tags,
  summary: "Change a job (pause with enabled: false); a new schedule takes effect from now; the job then runs as you",
  security: secured,
  request: { params: IdParam, ...jsonBody(UpdateJobBody) },
  responses: { 200: json(Job, "The job"), ...errorResponses },
});
const deleteJob = createRoute({
  method: "delete",
  path: "/jobs/{id}",
  tags,
  summary: "Delete a job definition (its runs stay in the history)",
  security: secured,
  request: { params: IdParam },
  responses: { 204: noContent, ...errorResponses },
});
const runJob = createRoute({
  method: "post",
  path: "/jobs/{id}/run",
  tags,
  summary: "Run the job now, whatever its schedule (parameters override the job's)",
  security: secured,
  request: {
    params: IdParam,
    body: {
      required: false,
      content: { "application/json": { schema: z.object({ parameters: Parameters.optional() }) } },
    },
  },
  responses: { 201: json(NotebookRun, "Queued"), ...errorResponses, 409: errorResponses[400] },
});
const jobRuns = createRoute({
  method: "get",
  path: "/jobs/{id}/runs",
  tags,
  summary: "The job's runs, newest first",
  security: secured,
  request: { params: IdParam, query: ListRunsQuery.omit({ jobId: true }) },
  responses: { 200: json(NotebookRunPage, "A page of runs"), ...errorResponses },
});
const cronPreview = createRoute({
  method: "get",
  path: "/cron/preview",
  tags,
  summary: "Check a cron expression and show its next fire times in a time zone",
  security: secured,
  request: { query: CronPreviewQuery },
  responses: { 200: json(CronPreview, "Next fire times"), ...errorResponses },
});

export function jobRoutes({ db, scheduler }: ApiDeps) {
  async function jobFor(who: Identity, id: string, needed: Role) {
    const job = await scheduler.jobs.row(id).catch(() => null);
    const role = job && (await roleOf(db, who, job.projectId));
    if (!job || !role) throw notFound("Job");
    if (!roleAtLeast(role, needed)) throw forbidden(`This needs the ${needed} role in the project; you are ${role}`);
    return job;
  }

  return router()
    .openapi(listJobs, async (c) => {
      const { project } = await requireProject(db, requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.json(await scheduler.jobs.list(project.id), 200);
    })
    .openapi(createJob, async (c) => {
      const who = requireIdentity(c);
      const { project } = await requireProject(db, who, c.req.valid("param").id, "editor");
      return c.json(await scheduler.jobs.create(project.id, c.req.valid("json"), { userId: who.user.id }), 201);
    })
    .openapi(getJob, async (c) => {
      const job = await jobFor(requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.json(await scheduler.jobs.view(job), 200);
    })
    .openapi(updateJob, async (c) => {
      const who = requireIdentity(c);
      const job = await jobFor(who, c.req.valid("param").id, "editor");
      return c.json(await scheduler.jobs.update(job.id, c.req.valid("json"), { userId: who.user.id }), 200);
    })
    .openapi(deleteJob, async (c) => {
      const job = await jobFor(requireIdentity(c), c.req.valid("param").id, "editor");
      await scheduler.jobs.delete(job.id);
      return c.body(null, 204);
    })
    .openapi(runJob, async (c) => {
      const who = requireIdentity(c);
      const job = await jobFor(who, c.req.valid("param").id, "editor");
      // An empty body is fine: run with the job's parameters.
      const body = c.req.header("content-length") === "0" ? {} : ((await c.req.json().catch(() => ({}))) ?? {});
      const parsed = z.object({ parameters: Parameters.optional() }).safeParse(body);
      if (!parsed.success)
        throw badRequest(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
      return c.json(await scheduler.jobs.runNow(job.id, { userId: who.user.id }, parsed.data.parameters), 201);
    })
    .openapi(jobRuns, async (c) => {
      const job = await jobFor(requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.json(await scheduler.runs.list({ ...c.req.valid("query"), jobId: job.id }), 200);
    })
    .openapi(cronPreview, async (c) => {
      requireIdentity(c);
      const q = c.req.valid("query");
      const times = scheduler.cronPreview(q.cron, q.timezone, q.count);
      return c.json({ cron: q.cron, timezone: q.timezone, upcoming: times.map((t) => t.toISOString()) }, 200);
    });
}
