import { type TestServer, usePreamble } from "@tandem/testkit";
import { describe, expect, it } from "vitest";

let server: TestServer;
usePreamble({ env: { TANDEM_MAX_BODY_BYTES: "4096" } }, (p) => {
  ({ server } = p);
});

const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };

describe("bad input gets a typed error", () => {
  it("unknown routes answer 404 with the error shape", async () => {
    const res = await server.admin.get("/api/no/such/route");
    expect(res.status).toBe(404);
    expect(res.body).toEqual(errorShape);
    expect(res.body.error.code).toBe("not_found");
  });

  it("malformed JSON answers 400 invalid_json", async () => {
    const res = await server.admin.request("POST", "/api/projects", { rawBody: '{"name": "x"' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_json");
  });

  it("a body of the wrong type answers 400", async () => {
    const res = await server.admin.request("POST", "/api/projects", { rawBody: "[1,2,3]" });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorShape);
  });

  it("oversize bodies answer 413", async () => {
    const res = await server.admin.post("/api/projects", { name: "x".repeat(10_000) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
  });

  it("never shows a stack trace or SQL", async () => {
    const responses = await Promise.all([
      server.admin.get("/api/projects/%27%3B%20drop%20table%20users"),
      server.admin.request("POST", "/api/auth/login", { rawBody: "{" }),
      server.admin.request("PATCH", "/api/notebooks/00000000-0000-4000-8000-000000000000", { rawBody: "null" }),
    ]);
    for (const res of responses) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(JSON.stringify(res.body)).not.toMatch(/at \w+ \(|\.ts:\d+|select |insert into/i);
    }
  });
});
