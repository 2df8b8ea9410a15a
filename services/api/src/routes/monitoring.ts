import { createHash, timingSafeEqual } from "node:crypto";
import { createRoute } from "@hono/zod-openapi";
import { roleOf } from "@tandem/projects";
import { DeploymentMetrics, IdParam, LoggedRequest, MetricsWindow, RequestLogQuery } from "@tandem/protocol";
import { Hono } from "hono";
import { z } from "zod";
import { bearerOf, credentialsOf } from "../auth/identity.ts";
import { type ApiDeps, type AppEnv, requireIdentity, router } from "../context.ts";
import { notFound, unauthenticated } from "../errors.ts";
import { errorResponses, json, secured } from "../openapi.ts";

const metrics = createRoute({
  method: "get",
  path: "/deployments/{id}/metrics",
  tags: ["deployments"],
  summary: "Requests, rate, errors (4xx and 5xx apart) and latency p50/p95/p99 over a window, per version",
  description:
    "From per-second rollups for `5m` and per-minute ones for longer windows; requests recorded in the last " +
    "second may not be in yet (they are written once a second). Latencies in seconds.",
  security: secured,
  request: { params: IdParam, query: z.object({ window: MetricsWindow.default("5m") }) },
  responses: { 200: json(DeploymentMetrics, "The window's figures"), ...errorResponses },
});

const requests = createRoute({
  method: "get",
  path: "/deployments/{id}/requests",
  tags: ["deployments"],
  summary: "The sampled request log (input and prediction), newest first, by status, version and time",
  description: "A deployment keeps `logSampleRate` of its requests (none when `sensitive`); written once a second.",
  security: secured,
  request: { params: IdParam, query: RequestLogQuery },
  responses: { 200: json(z.array(LoggedRequest), "Logged requests"), ...errorResponses },
});

/** `/api/deployments/{id}/metrics` and `/requests`: any member of the deployment's project may read them. */
export function deploymentMetricsRoutes({ db, serving }: ApiDeps) {
  async function member(c: Parameters<typeof requireIdentity>[0], id: string) {
    const projectId = await serving.projectOf(id).catch(() => null);
    if (!projectId || !(await roleOf(db, requireIdentity(c), projectId))) throw notFound("Deployment");
  }
  return router()
    .openapi(metrics, async (c) => {
      const { id } = c.req.valid("param");
      await member(c, id);
      return c.json(await serving.metrics(id, c.req.valid("query").window), 200);
    })
    .openapi(requests, async (c) => {
      const { id } = c.req.valid("param");
      await member(c, id);
      return c.json(await serving.requestLog(id, c.req.valid("query")), 200);
    });
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * `GET /metrics`: Prometheus's text format, for a scraper holding the metrics token
 * (`Authorization: Bearer <TANDEM_METRICS_TOKEN>`); without a configured token it is off (404).
 */
export function prometheusRoutes({ prometheus }: ApiDeps) {
  // Only the token's digest is kept; comparing digests takes the same time whatever matches.
  const expected = prometheus?.token ? digest(prometheus.token) : null;
  return new Hono<AppEnv>().get("/metrics", async (c) => {
    if (!prometheus || !expected) throw notFound("Metrics (set TANDEM_METRICS_TOKEN to turn them on)");
    // The header only: a token in the URL would end up in scrapers' and proxies' logs.
    const given = bearerOf({ ...credentialsOf(c.req.raw.headers, c.req.url), queryToken: null });
    if (!given || !timingSafeEqual(digest(given), expected))
      throw unauthenticated("Send Authorization: Bearer <the metrics token>");
    const out = await prometheus.render();
    return c.body(out.body, 200, { "content-type": out.contentType });
  });
}
