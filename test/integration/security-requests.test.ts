import { statSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createProject, createUser, type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { closeOf, wsUrl } from "./collab-clients.ts";

let server: TestServer;
let editor: TestUser;
let projectId: string;
const logLines: string[] = [];

const logStream = new PassThrough();
logStream.on("data", (chunk: Buffer) => logLines.push(...chunk.toString().split("\n").filter(Boolean)));

// Trace level: every line anything logs is checked.
usePreamble({ env: { TANDEM_LOG_LEVEL: "trace" }, logStream }, (p) => {
  ({ server } = p);
});
beforeAll(async () => {
  editor = await createUser(server.http, "editor");
  projectId = await createProject(server.admin, [{ user: editor, role: "editor" }]);
});

/** An upgrade's HTTP answer when it is refused before any WebSocket exists. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("open", () => {
      ws.close();
      reject(new Error(`${url} was accepted`));
    });
    ws.on("error", () => {});
  });
}

describe("malformed WebSocket paths and the log (item 7)", () => {
  it("answers 404s, never 500s, and no log line carries a token", async () => {
    const token = editor.token;
    const collab = await closeOf(`${wsUrl(server)}/collab/%E0%A4%A?token=${encodeURIComponent(token)}`);
    expect(collab.code).toBe(4404);
    expect(await upgradeStatus(`${wsUrl(server)}/api/kernels/%ZZ/channels?token=${encodeURIComponent(token)}`)).toBe(
      404,
    );
    expect(await upgradeStatus(`${wsUrl(server)}/nowhere/%ZZ?token=${encodeURIComponent(token)}&share=tdms_x`)).toBe(
      404,
    );
    // REST with the token in the query, and a bad one.
    expect((await server.http.get(`/api/projects?token=${encodeURIComponent(token)}`)).status).toBe(200);
    expect((await server.http.get("/api/projects?token=tdm_notAValidTokenAtAll123")).status).toBe(401);
    // Whatever code logs a URL, the line is redacted on its way out.
    server.server!.log.error({ url: `/collab/x?token=${token}&share=tdms_secretShare123` }, `failed at ${token}`);
    await new Promise((r) => setImmediate(r));
    expect(logLines.length).toBeGreaterThan(0);
    const all = logLines.join("\n");
    expect(all).not.toContain(token);
    expect(all).not.toContain(token.slice(4));
    expect(all).not.toContain("tdms_secretShare123");
    expect(all).not.toMatch(/(token|share)=(?!\[redacted\])/);
    expect(all).toContain("token=[redacted]");
    expect(all).not.toMatch(/"statusCode":500|Something went wrong/);
  });
});

describe("Origin: null with a session cookie (item 8)", () => {
  it("refuses mutations and upgrades with a typed 403, storing nothing", async () => {
    const before = (await editor.client.get("/api/projects")).body.length;
    const res = await server.http.post(
      "/api/projects",
      { name: "csrf" },
      { cookie: editor.cookie, headers: { origin: "null" } },
    );
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("forbidden");
    expect((await editor.client.get("/api/projects")).body.length).toBe(before);

    const nb = await editor.client.post(`/api/projects/${projectId}/notebooks`, { name: "nb" });
    const headers = { cookie: editor.cookie, origin: "null" };
    const collab = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${wsUrl(server)}/collab/${nb.body.id}`, { headers });
      ws.on("close", (code) => resolve(code));
      ws.on("error", () => {});
    });
    expect(collab).toBe(4403);
    expect(
      await upgradeStatus(`${wsUrl(server)}/api/kernels/00000000-0000-4000-8000-000000000000/channels`, headers),
    ).toBe(403);
    // Same-origin pages still work.
    const ok = await server.http.post(
      "/api/projects",
      { name: "mine" },
      { cookie: editor.cookie, headers: { origin: server.url } },
    );
    expect(ok.status).toBe(201);
  });
});

describe("deeply nested JSON (item 8)", () => {
  const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;

  it("refuses an import whose metadata nests 5,000 deep with a typed 400, storing nothing", async () => {
    const list = async () => (await editor.client.get(`/api/projects/${projectId}/notebooks`)).body.length;
    const before = await list();
    const raw = `{"nbformat":4,"nbformat_minor":5,"metadata":{"x":${deep(5000)}},"cells":[]}`;
    const res = await editor.client.request("POST", `/api/projects/${projectId}/notebooks/import`, { rawBody: raw });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_json");
    expect(res.body.error.message).toMatch(/deeper than 64/);
    expect(await list()).toBe(before);
    // 64 levels are fine (strings with brackets do not count).
    const ok = `{"nbformat":4,"nbformat_minor":5,"metadata":{"x":${deep(62)},"s":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["},"cells":[]}`;
    const imported = await editor.client.request("POST", `/api/projects/${projectId}/notebooks/import`, {
      rawBody: ok,
    });
    expect(imported.status).toBe(201);
  });

  it("answers MLflow's own error shape on MLflow paths", async () => {
    const res = await editor.client.request("POST", "/api/2.0/mlflow/experiments/create", {
      rawBody: `{"name":"deep","tags":${deep(500)}}`,
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE" });
  });
});

describe("local-path requirements (item 10)", () => {
  it("are refused from an editor in every form, and nothing is stored", async () => {
    const before = (await editor.client.get("/api/environments")).body.length;
    const specs = [
      { requirements: ["pkg @ /abs/path"] },
      { requirements: ["pkg @ file:///abs/path.whl"] },
      { requirements: ["pkg@./relative"] },
      { requirements: ["pkg @ ~/x"] },
      { requirements: ["./x"] },
      { requirements: ["/abs/pkg-1.0-py3-none-any.whl"] },
      { requirements: ["pkg @ git+file:///srv/repo"] },
      { requirementsTxt: "ok==1\npkg @ ../up\n" },
      { indexes: { findLinks: ["/srv/wheels"] } },
      { pyproject: '[project]\nname = "x"\nversion = "0"\ndependencies = ["pkg @ /abs/path"]\n' },
      { pyproject: '[project]\nname = "x"\nversion = "0"\n[tool.uv.sources]\npkg = { path = "/srv/pkg" }\n' },
    ];
    for (const spec of specs) {
      const res = await editor.client.post("/api/environments", { name: "local", ...spec });
      expect(res.status, JSON.stringify(spec)).toBe(403);
      expect(res.body.error.message).toMatch(/Local-path requirements are for admins/);
    }
    // Option lines (-e, --find-links) are refused for everyone.
    for (const spec of [{ requirements: ["-e /srv/pkg"] }, { requirementsTxt: "--find-links /srv/wheels\nx\n" }]) {
      const res = await editor.client.post("/api/environments", { name: "local", ...spec });
      expect(res.status, JSON.stringify(spec)).toBe(400);
    }
    expect((await editor.client.get("/api/environments")).body.length).toBe(before);
  });
});

describe("the server's files (item 2, in part)", () => {
  it("keeps the data dir and the kernels' runtime dir to itself (0700)", () => {
    for (const dir of [server.dataDir, join(server.dataDir, "runtime")]) {
      expect((statSync(dir).mode & 0o777).toString(8), dir).toBe("700");
    }
  });
});
