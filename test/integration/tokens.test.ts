import { createUser, type TestServer, usePreamble } from "@tandem/testkit";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { until } from "./collab-clients.ts";

let server: TestServer;
// The server's clock: a test moves it past an expiry instead of waiting for one.
let skew = 0;
const clock = () => new Date(Date.now() + skew);

usePreamble({ clock }, (p) => {
  ({ server } = p);
});

describe("personal API tokens", () => {
  it("shows the secret once, lists tokens without secrets, and stores only a digest", async () => {
    const user = await createUser(server.http, "tok");
    const created = await user.client.post("/api/tokens", { name: "laptop" });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^tdm_/);
    expect(created.body.prefix).toBe(created.body.token.slice(0, 8));

    const list = await user.client.get("/api/tokens");
    expect(list.status).toBe(200);
    expect(list.body.map((t: { name: string }) => t.name).sort()).toEqual(["laptop", "test"]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);

    const sql = postgres(server.database.url, { max: 1 });
    const rows = await sql`select * from api_tokens`;
    await sql.end();
    expect(JSON.stringify(rows)).not.toContain(created.body.token);
  });

  it("authenticates by Bearer header, Jupyter's `token` scheme and ?token=", async () => {
    const user = await createUser(server.http, "ways");
    expect((await server.http.get("/api/me", { headers: { authorization: `Bearer ${user.token}` } })).status).toBe(200);
    expect((await server.http.get("/api/me", { headers: { authorization: `token ${user.token}` } })).status).toBe(200);
    expect((await server.http.get(`/api/me?token=${user.token}`)).status).toBe(200);
  });

  it("stops working at once when revoked", async () => {
    const user = await createUser(server.http, "revoke");
    const created = await user.client.post("/api/tokens", { name: "ci" });
    const ci = server.http.as({ token: created.body.token });
    expect((await ci.get("/api/me")).status).toBe(200);
    expect((await user.client.delete(`/api/tokens/${created.body.id}`)).status).toBe(204);
    const after = await ci.get("/api/me");
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/revoked/);
    expect((await user.client.get("/api/tokens")).body.map((t: { id: string }) => t.id)).not.toContain(created.body.id);
  });

  it("cannot revoke someone else's token", async () => {
    const a = await createUser(server.http, "a");
    const b = await createUser(server.http, "b");
    const [tokenOfB] = (await b.client.get("/api/tokens")).body;
    const res = await a.client.delete(`/api/tokens/${tokenOfB.id}`);
    expect(res.status).toBe(404);
    expect((await b.client.get("/api/me")).status).toBe(200);
  });

  it("expires tokens at their expiry time and refuses expiries in the past", async () => {
    const user = await createUser(server.http, "exp");
    const past = await user.client.post("/api/tokens", { name: "old", expiresAt: "2001-01-01T00:00:00Z" });
    expect(past.status).toBe(400);
    const expiresAt = new Date(clock().getTime() + 60 * 60_000);
    const soon = await user.client.post("/api/tokens", { name: "soon", expiresAt: expiresAt.toISOString() });
    expect(soon.status).toBe(201);
    const client = server.http.as({ token: soon.body.token });
    expect((await client.get("/api/me")).status).toBe(200);
    skew += 60 * 60_000 + 1000; // an hour later, on the server's clock
    try {
      const res = await client.get("/api/me");
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("unauthenticated");
      // A token without expiry still works (the clock moved, not the rules).
      expect((await user.client.get("/api/me")).status).toBe(200);
    } finally {
      skew = 0;
    }
  });

  it("records when a token was last used", async () => {
    const user = await createUser(server.http, "used");
    await user.client.get("/api/me");
    // Written off the request's path: poll for it rather than sleep.
    const lastUsed = async () => (await user.client.get("/api/tokens")).body[0].lastUsedAt;
    await until(async () => (await lastUsed()) !== null, "the token's last use to be recorded");
    expect(new Date(await lastUsed()).getTime()).toBeLessThanOrEqual(Date.now());
  });

  it("answers 401 with the error shape for an unknown token", async () => {
    const res = await server.http.get("/api/projects", { token: "tdm_nope" });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthenticated");
  });
});
