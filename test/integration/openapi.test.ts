import { type TestServer, usePreamble } from "@tandem/testkit";
import { describe, expect, it } from "vitest";

let server: TestServer;
usePreamble({}, (p) => {
  ({ server } = p);
});

describe("the API describes itself", () => {
  it("serves an OpenAPI 3 document listing every route with its schemas", async () => {
    const res = await server.http.get("/api/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const ops = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    for (const op of [
      "GET /health",
      "POST /auth/signup",
      "POST /auth/login",
      "POST /auth/logout",
      "GET /me",
      "GET /tokens",
      "POST /tokens",
      "DELETE /tokens/{id}",
      "GET /projects",
      "POST /projects",
      "GET /projects/{id}",
      "PATCH /projects/{id}",
      "DELETE /projects/{id}",
      "GET /projects/{id}/members",
      "POST /projects/{id}/members",
      "PATCH /projects/{id}/members/{userId}",
      "DELETE /projects/{id}/members/{userId}",
      "GET /projects/{id}/notebooks",
      "POST /projects/{id}/notebooks",
      "GET /notebooks/{id}",
      "PATCH /notebooks/{id}",
      "DELETE /notebooks/{id}",
      "POST /notebooks/{id}/runs",
      "GET /runs/{id}",
      "POST /runs/{id}/cancel",
      "POST /notebooks/{id}/detach",
      "POST /notebooks/{id}/complete",
      "POST /notebooks/{id}/inspect",
      "GET /projects/{id}/jobs",
      "POST /projects/{id}/jobs",
      "PATCH /jobs/{id}",
      "GET /cron/preview",
      "GET /projects/{id}/deployments",
      "POST /projects/{id}/deployments",
      "GET /deployments/{id}",
      "PATCH /deployments/{id}",
      "DELETE /deployments/{id}",
      "POST /deployments/{id}/rollback",
      "POST /deployments/{id}/stop",
      "POST /deployments/{id}/start",
      "GET /deployments/{id}/history",
      "GET /deployments/{id}/logs",
    ]) {
      expect(ops).toContain(op);
    }
    expect(res.body.servers).toEqual([{ url: "/api" }]);
    expect(res.body.components.schemas.Project).toBeDefined();
    expect(res.body.components.schemas.Error).toBeDefined();
    expect(res.body.components.schemas.CreateDeployment).toBeDefined();
  });

  it("serves a browsable API reference that works offline", async () => {
    const page = await server.http.get("/api/docs");
    expect(page.status).toBe(200);
    expect(page.body).toContain("Tandem API reference");
    expect((await server.http.get("/api/docs/swagger-ui-bundle.js")).status).toBe(200);
    expect((await server.http.get("/api/docs/swagger-ui.css")).status).toBe(200);
  });
});
