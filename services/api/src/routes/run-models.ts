import { createRoute } from "@hono/zod-openapi";
import { roleOf } from "@tandem/projects";
import { LoggedModelSummary, RunId } from "@tandem/protocol";
import type { LoggedModel } from "@tandem/tracking";
import { z } from "zod";
import { type ApiDeps, requireIdentity, router } from "../context.ts";
import { notFound } from "../errors.ts";
import { errorResponses, json, secured } from "../openapi.ts";

const loggedModels = createRoute({
  method: "get",
  path: "/experiment-runs/{id}/logged-models",
  tags: ["models"],
  summary: "A run's logged models (MLflow 3), each with the registered versions made from it",
  security: secured,
  request: { params: z.object({ id: RunId }) },
  responses: { 200: json(z.array(LoggedModelSummary), "Logged models, newest first"), ...errorResponses },
});

export const toLoggedModelSummary = (m: LoggedModel): LoggedModelSummary => ({
  id: m.id,
  name: m.name,
  experimentId: String(m.experimentId),
  runId: m.sourceRunId,
  status: m.status,
  modelType: m.modelType,
  artifactUri: m.artifactUri,
  creationTime: m.creationTime,
  registrations: m.registrations,
});

/** The run page's logged models; registering one is `POST /models/{name}/versions` with `modelId`. */
export function runModelRoutes({ db, tracking }: ApiDeps) {
  return router().openapi(loggedModels, async (c) => {
    const who = requireIdentity(c);
    const run = await tracking.runs.row(c.req.valid("param").id).catch(() => null);
    const exp = run ? await tracking.experiments.get(run.experimentId).catch(() => null) : null;
    if (!run || !exp || !(await roleOf(db, who, exp.projectId))) throw notFound("Run");
    const found = await tracking.models.logged.search({
      experimentIds: [run.experimentId],
      filter: `source_run_id = '${run.id}'`,
      limit: 1000,
      offset: 0,
    });
    return c.json(found.map(toLoggedModelSummary), 200);
  });
}
