import { createRoute } from "@hono/zod-openapi";
import { requireProject, roleOf } from "@tandem/projects";
import { DeploymentGlance, IdParam, LiveSnapshot, MetricsSeries, MetricsWindow } from "@tandem/protocol";
import { z } from "zod";
import type { AccessEvent } from "../access-events.ts";
import { currentExpiry, type Identity } from "../auth/identity.ts";
import { type ApiDeps, type AppContext, requireIdentity, router } from "../context.ts";
import { notFound } from "../errors.ts";
import { errorResponses, json, secured } from "../openapi.ts";

const tags = ["deployments"];
const RefParam = z.object({ id: z.string().min(1).max(100).describe("The deployment's id or name") });
const WindowQuery = z.object({ window: MetricsWindow.default("5m") });

const r = {
  series: createRoute({
    method: "get",
    path: "/deployments/{id}/series",
    tags,
    summary: "A window as chart columns: requests/s, 4xx and 5xx per second, p50/p95/p99, per version, with marks",
    description:
      "5 s points over `5m`, 1 min over `1h`, 15 min over `24h`, 1 h over `7d`. Marks are the deployment's " +
      "changes (its history) and moves of its model's aliases in the window.",
    security: secured,
    request: { params: RefParam, query: WindowQuery },
    responses: { 200: json(MetricsSeries, "The window's points"), ...errorResponses },
  }),
  dashboard: createRoute({
    method: "get",
    path: "/deployments/{id}/dashboard",
    tags,
    summary: "Everything the dashboard shows, once: summary, series, replicas with CPU, memory and GPU",
    security: secured,
    request: { params: RefParam, query: WindowQuery },
    responses: { 200: json(LiveSnapshot, "A snapshot"), ...errorResponses },
  }),
  live: createRoute({
    method: "get",
    path: "/deployments/{id}/live",
    tags,
    summary: "The dashboard live: a `snapshot` server-sent event about every second",
    description:
      "`text/event-stream`. Each `snapshot` event's data is a LiveSnapshot (as `/dashboard`). When the " +
      "credential is revoked or expires, or the caller leaves the project, a last `closed` event " +
      "(`{code, message}`) is sent and the stream ends.",
    security: secured,
    request: { params: RefParam, query: WindowQuery },
    responses: {
      200: { description: "Server-sent events", content: { "text/event-stream": { schema: z.string() } } },
      ...errorResponses,
    },
  }),
  overview: createRoute({
    method: "get",
    path: "/projects/{id}/deployments/overview",
    tags,
    summary: "Every deployment of a project with its traffic, p99 and error rate over a window",
    security: secured,
    request: { params: IdParam, query: z.object({ window: MetricsWindow.default("1h") }) },
    responses: { 200: json(z.array(DeploymentGlance), "Deployments at a glance"), ...errorResponses },
  }),
};

/** Whether an access change ends what `who` holds open in `projectId` (null: it does not). */
async function endedBy(
  deps: ApiDeps,
  event: AccessEvent,
  who: Identity,
  projectId: string,
): Promise<{ code: string; message: string } | null> {
  if (event.type === "share-link-revoked" || event.userId !== who.user.id) return null;
  if (
    (event.type === "token-revoked" && event.tokenId === who.tokenId) ||
    (event.type === "session-ended" && event.sessionId === who.sessionId) ||
    event.type === "user-disabled"
  )
    return { code: "unauthenticated", message: "Your access was revoked" };
  if (event.type === "membership-changed" && event.projectId === projectId && !(await roleOf(deps.db, who, projectId)))
    return { code: "forbidden", message: "You no longer have access to this deployment" };
  return null;
}

/** The dashboard's routes: any member of the deployment's project may read them. */
export function dashboardRoutes(deps: ApiDeps) {
  const { db, serving } = deps;
  const clock = () => deps.clock?.() ?? new Date();
  async function member(c: AppContext, id: string) {
    const who = requireIdentity(c);
    const projectId = await serving.projectOf(id).catch(() => null);
    if (!projectId || !(await roleOf(db, who, projectId))) throw notFound("Deployment");
    return { who, projectId };
  }

  return router()
    .openapi(r.series, async (c) => {
      const { id } = c.req.valid("param");
      await member(c, id);
      return c.json(await serving.series(id, c.req.valid("query").window), 200);
    })
    .openapi(r.dashboard, async (c) => {
      const { id } = c.req.valid("param");
      await member(c, id);
      const seen = await serving.snapshot(id, c.req.valid("query").window);
      return c.json(seen, 200);
    })
    .openapi(r.overview, async (c) => {
      const { project } = await requireProject(db, requireIdentity(c), c.req.valid("param").id, "viewer");
      return c.json(await serving.overview(project.id, c.req.valid("query").window), 200);
    })
    .openapi(r.live, async (c) => {
      const { id } = c.req.valid("param");
      const { who, projectId } = await member(c, id);
      const { window } = c.req.valid("query");
      const encoder = new TextEncoder();
      const cleanups: (() => void)[] = [];
      let open = true;
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          const send = (event: string, data: unknown) => {
            if (open) controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
          };
          const end = (why: { code: string; message: string }) => {
            if (!open) return;
            send("closed", why);
            open = false;
            for (const f of cleanups) f();
            controller.close();
          };
          // Revocation, sign-out and removal from the project end the stream at once, as they close sockets.
          cleanups.push(
            deps.accessEvents.on(async (event) => {
              const why = await endedBy(deps, event, who, projectId);
              if (why) end(why);
            }),
          );
          const stop = await serving.watch(id, window, (snapshot) => {
            void (async () => {
              // An expired credential (by the server's clock) ends it unless it was renewed meanwhile.
              if (who.expiresAt && who.expiresAt <= clock()) {
                const expiry = await currentExpiry(db, who, clock());
                if (expiry === undefined)
                  return end({ code: "unauthenticated", message: "Your session or token expired" });
                who.expiresAt = expiry;
              }
              send("snapshot", snapshot);
            })();
          });
          if (open) cleanups.push(stop);
          else stop();
        },
        cancel() {
          open = false;
          for (const f of cleanups) f();
        },
      });
      return c.body(stream, 200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      }) as unknown as ReturnType<typeof c.text<string, 200>>;
    });
}
