import { createHash } from "node:crypto";
import { createProject, createUser, startTestServer, type TestServer, usePreamble } from "@tandem/testkit";
import postgres from "postgres";
import { describe, expect, it } from "vitest";

let server: TestServer;
usePreamble({ env: { TANDEM_LOGIN_ATTEMPTS: "3" } }, (p) => {
  ({ server } = p);
});

const cookieOf = (headers: Headers) => (headers.get("set-cookie") ?? "").split(";")[0]!;

describe("sign-up, sign-in and sessions", () => {
  it("signs up, answers the user and a session cookie, and keeps only a memory-hard hash of the password", async () => {
    const res = await server.http.post("/api/auth/signup", {
      email: "Ada@Example.com",
      name: "Ada",
      password: "analytical engine",
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: "ada@example.com", name: "Ada", isAdmin: false });
    expect(res.body).not.toHaveProperty("passwordHash");
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^tandem_session=tds_/);
    expect(setCookie).toMatch(/HttpOnly/i);

    const me = await server.http.get("/api/me", { cookie: cookieOf(res.headers) });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe("ada@example.com");

    const sql = postgres(server.database.url, { max: 1 });
    const [row] = await sql`select password_hash from users where email = 'ada@example.com'`;
    const sessions = await sql`select id from sessions`;
    await sql.end();
    expect(row!.password_hash).toMatch(/^scrypt\$/);
    expect(row!.password_hash).not.toContain("analytical engine");
    // Sessions are stored by digest: the cookie's secret is nowhere in the database.
    const secret = cookieOf(res.headers).split("=")[1]!;
    expect(sessions.map((s) => s.id)).not.toContain(secret);
  });

  it("refuses a second account with the same email, whatever its case", async () => {
    await server.http.post("/api/auth/signup", { email: "dup@example.com", name: "A", password: "password one" });
    const res = await server.http.post("/api/auth/signup", {
      email: "DUP@example.com",
      name: "B",
      password: "password two",
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("conflict");
  });

  it("validates sign-up bodies and says which field is wrong", async () => {
    const res = await server.http.post("/api/auth/signup", { email: "not-an-email", name: "", password: "short" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.message).toMatch(/email/);
    expect(res.body.error.message).toMatch(/password/);
  });

  it("logs in with the right password only, and logs out", async () => {
    await server.http.post("/api/auth/signup", {
      email: "grace@example.com",
      name: "Grace",
      password: "cobol forever",
    });
    const wrong = await server.http.post("/api/auth/login", { email: "grace@example.com", password: "fortran" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("unauthenticated");
    const unknown = await server.http.post("/api/auth/login", { email: "nobody@example.com", password: "whatever" });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.message).toBe(wrong.body.error.message);

    const ok = await server.http.post("/api/auth/login", { email: "GRACE@example.com", password: "cobol forever" });
    expect(ok.status).toBe(200);
    const cookie = cookieOf(ok.headers);
    expect((await server.http.get("/api/me", { cookie })).status).toBe(200);

    const out = await server.http.post("/api/auth/logout", {}, { cookie });
    expect(out.status).toBe(204);
    expect((await server.http.get("/api/me", { cookie })).status).toBe(401);
  });

  it("rate-limits sign-in attempts per account", async () => {
    await server.http.post("/api/auth/signup", { email: "eve@example.com", name: "Eve", password: "right password" });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (await server.http.post("/api/auth/login", { email: "eve@example.com", password: "guess" })).status,
      );
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    const limited = await server.http.post("/api/auth/login", { email: "eve@example.com", password: "right password" });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("needs credentials for /api/me", async () => {
    const res = await server.http.get("/api/me");
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: "unauthenticated", message: expect.any(String) } });
  });

  it("signs a browser in through the printed login link, Jupyter style", async () => {
    const res = await server.http.get(`/login?token=${server.adminToken}`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/");
    const me = await server.http.get("/api/me", { cookie: cookieOf(res.headers) });
    expect(me.body).toMatchObject({ isAdmin: true });

    const bad = await server.http.get("/login?token=tdm_not_a_token");
    expect(bad.status).toBe(401);
    expect(bad.headers.get("set-cookie")).toBeNull();
  });

  it("signs a browser in from ?token= on any page and drops it from the address bar; narrow tokens cannot", async () => {
    const res = await server.http.get(`/projects/abc?tab=runs&token=${server.adminToken}`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/projects/abc?tab=runs");
    const me = await server.http.get("/api/me", { cookie: cookieOf(res.headers) });
    expect(me.body).toMatchObject({ isAdmin: true });

    // A project-scoped token is not the person: it does not become a full browser session.
    const user = await createUser(server.http, "scoped-login");
    const projectId = await createProject(user.client);
    // Kernels are the holders of project-scoped tokens; make one the way their issuer stores it.
    const secret = "tdm_kernel_scoped_login_test";
    const sql = postgres(server.database.url, { max: 1 });
    const [owner] = await sql`select id from users where email = ${user.email}`;
    await sql`insert into api_tokens (user_id, name, token_hash, prefix, project_id, kind)
      values (${owner!.id}, 'kernel', ${createHash("sha256").update(secret).digest("hex")}, ${secret.slice(0, 8)}, ${projectId}, 'kernel')`;
    await sql.end();
    for (const path of [`/?token=${secret}`, `/login?token=${secret}`]) {
      const refused = await server.http.get(path);
      expect(refused.status).toBe(401);
      expect(refused.headers.get("set-cookie")).toBeNull();
    }
    // A share page's token is a share link's, left to the page.
    const share = await server.http.get("/share/nb?token=tdm_share_token");
    expect(share.headers.get("set-cookie")).toBeNull();
    expect(share.status).not.toBe(302);
  });

  it("refuses cookie-authenticated changes from another site", async () => {
    const user = await createUser(server.http, "csrf");
    const res = await server.http.post(
      "/api/projects",
      { name: "x" },
      {
        cookie: user.cookie,
        headers: { origin: "https://evil.example" },
      },
    );
    expect(res.status).toBe(403);
    const same = await server.http.post(
      "/api/projects",
      { name: "x" },
      {
        cookie: user.cookie,
        headers: { origin: server.url },
      },
    );
    expect(same.status).toBe(201);
  });
});

describe("closed sign-up", () => {
  it("answers 403 when TANDEM_ALLOW_SIGNUP is off", async () => {
    const closed = await startTestServer({ env: { TANDEM_ALLOW_SIGNUP: "false" } });
    try {
      const res = await closed.http.post("/api/auth/signup", {
        email: "x@example.com",
        name: "X",
        password: "password123",
      });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    } finally {
      await closed.close();
    }
  });
});
