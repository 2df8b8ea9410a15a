import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../context.ts";
import { json } from "../openapi.ts";

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["system"],
  summary: "Readiness: 200 once the server is ready",
  responses: { 200: json(z.object({ status: z.literal("ok") }), "Ready") },
});

export function healthRoutes() {
  return router().openapi(health, (c) => c.json({ status: "ok" as const }, 200));
}
