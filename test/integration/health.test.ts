import { type TestServer, usePreamble } from "@tandem/testkit";
import { describe, expect, it } from "vitest";

let server: TestServer;
usePreamble({}, (p) => {
  ({ server } = p);
});

describe("health", () => {
  it("answers ok once ready, without credentials", async () => {
    const res = await server.http.get("/api/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });
});
