import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startTestServer, type TestServer } from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notebook, pythonKernelspecs } from "./kernels.ts";
import { spawnTandem, tandem } from "./run-cli.ts";

// Each step spawns the CLI (a Node start) and some run real kernels: minutes, not the default 30 s, on a busy machine.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let server: TestServer;
let removeSpecs: () => Promise<void>;
let env: Record<string, string>;
let projectId: string;

beforeAll(async () => {
  const specs = await pythonKernelspecs();
  removeSpecs = specs.remove;
  server = await startTestServer({ env: specs.env });
  env = { TANDEM_URL: server.url, TANDEM_TOKEN: server.adminToken, XDG_CONFIG_HOME: server.dataDir };
  projectId = (await server.admin.post("/api/projects", { name: "Runs" })).body.id;
});
afterAll(async () => {
  await server?.close();
  await removeSpecs?.();
});

async function importNotebook(name: string, sources: string[], parametersCell = false): Promise<string> {
  const res = await server.admin.post(
    `/api/projects/${projectId}/notebooks/import?name=${encodeURIComponent(name)}`,
    notebook(sources, { parametersCell }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

describe("tandem run", () => {
  it("runs a notebook with typed -p parameters, prints only the run id, and exits 0 on success", async () => {
    const nb = await importNotebook(
      "Params",
      ["alpha = 0.1\nname = 'x'\ntags = []", "print(repr(alpha), type(alpha).__name__, repr(name), tags)"],
      true,
    );
    const res = await tandem(["run", nb, "-p", "alpha=0.5", "-p", "name=abc", "-p", 'tags=["a", 1]', "--wait"], env);
    expect(res.code, res.stderr).toBe(0);
    const id = res.stdout.trim();
    expect(id).toMatch(UUID);
    expect(res.stderr).toMatch(/succeeded/);

    const run = (await server.admin.get(`/api/runs/${id}`)).body;
    expect(run).toMatchObject({ status: "succeeded", parameters: { alpha: 0.5, name: "abc", tags: ["a", 1] } });

    const out = join(server.dataDir, "executed.ipynb");
    expect((await tandem(["runs", "export", id, "-o", out], env)).code).toBe(0);
    const executed = JSON.stringify(JSON.parse(await readFile(out, "utf8")).cells);
    expect(executed).toContain("0.5 float 'abc' ['a', 1]");

    const shown = await tandem(["runs", "show", id], env);
    expect(shown.stdout).toMatch(/status:\s+succeeded/);
    expect(shown.stdout).toContain('"alpha":0.5');
    const listed = JSON.parse((await tandem(["runs", "list", "--notebook", nb, "--json"], env)).stdout);
    expect(listed.runs.map((r: { id: string }) => r.id)).toContain(id);
    const everywhere = await tandem(["runs", "list", "--status", "succeeded"], env);
    expect(everywhere.stdout).toContain(id);
    expect((await tandem(["runs", "wait", id], env)).code).toBe(0);
  }, 120_000);

  it("exits non-zero when a cell raises, naming the error and the cell", async () => {
    const nb = await importNotebook("Broken", ["x = 1", "1 / 0", "print('never')"], true);
    const res = await tandem(["run", nb, "--wait"], env);
    expect(res.code).toBe(1);
    const id = res.stdout.trim();
    expect(id).toMatch(UUID);
    expect(res.stderr).toMatch(/failed: cell_error in cell cell-1 \(2\/3\)/);
    expect(res.stderr).toContain("ZeroDivisionError");
    const run = (await server.admin.get(`/api/runs/${id}`)).body;
    expect(run.status).toBe("failed");
    expect((await tandem(["runs", "wait", id], env)).code).toBe(1);
    expect((await tandem(["runs", "logs", id], env)).stdout).toMatch(/ZeroDivisionError/);
    const retried = await tandem(["runs", "retry", id], env);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout.trim()).toMatch(UUID);
    expect(retried.stdout.trim()).not.toBe(id);

    const again = await tandem(["runs", "rerun", id, "-p", "x=2", "--json"], env);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ trigger: "rerun", rerunOf: id, parameters: { x: 2 } });
  }, 120_000);

  it("without --wait answers at once; Ctrl-C while waiting stops waiting, not the run", async () => {
    // Long enough that only a cancel ends it before the test's timeout.
    const nb = await importNotebook("Slow", ["import time\ntime.sleep(120)"]);
    const started = await tandem(["run", nb], env);
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    expect(id).toMatch(UUID);

    const waiting = spawnTandem(["runs", "wait", id], env);
    await waiting.stderrMatches(/running/);
    waiting.child.kill("SIGINT");
    expect(await waiting.exited).toBe(130);
    expect(waiting.output().stderr).toMatch(/Stopped waiting; run .* goes on on the server/);
    expect((await server.admin.get(`/api/runs/${id}`)).body.status).toBe("running");

    const cancelled = await tandem(["runs", "cancel", id], env);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    const done = await tandem(["runs", "wait", id], env);
    expect(done.stderr).toMatch(/run #\d+ \(.*\) cancelled/);
    expect(done.code).toBe(1);
    expect((await tandem(["runs", "delete", id], env)).code).toBe(0);
    expect((await server.admin.get(`/api/runs/${id}`)).status).toBe(404);
  }, 120_000);

  it("detaches an interactive notebook from a cell, keeping its kernel's state", async () => {
    const nb = await importNotebook("Interactive", ["x = 41", "x += 1\nprint('x is', x)"]);
    expect((await tandem(["notebooks", "run", nb, "cell-0"], env)).code).toBe(0);
    for (;;) {
      const kernel = (await server.admin.get(`/api/notebooks/${nb}/kernel`)).body;
      const doc = (await server.admin.get(`/api/notebooks/${nb}/ipynb`)).body;
      if (doc.cells[0].execution_count && !kernel.running && !kernel.queued?.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const res = await tandem(["runs", "detach", nb, "--cell", "cell-1", "--wait"], env);
    expect(res.code, res.stderr).toBe(0);
    expect((await server.admin.get(`/api/runs/${res.stdout.trim()}`)).body).toMatchObject({
      trigger: "detach",
      status: "succeeded",
    });
    const doc = (await server.admin.get(`/api/notebooks/${nb}/ipynb`)).body;
    expect(doc.cells[1].outputs.map((o: { text?: string }) => o.text).join("")).toContain("x is 42");
    await server.admin.delete(`/api/notebooks/${nb}/kernel`);
  }, 120_000);

  it("refuses a bad -p before asking the server", async () => {
    const res = await tandem(["run", "00000000-0000-4000-8000-000000000000", "-p", "bad-name=1"], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/not a parameter name/);
  });
});

describe("tandem schedule", () => {
  it("creates, lists, shows, pauses, resumes and deletes a schedule", async () => {
    const nb = await importNotebook("Nightly", ["n = 1\nm = 0", "print(n, m)"], true);
    const created = await tandem(
      [
        ...["schedule", "create", nb, "--name", "Nightly train", "--cron", "0 2 * * *", "--tz", "Europe/Paris"],
        ...["-p", "n=5", "--webhook", "http://127.0.0.1:9/hook"],
      ],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/schedule:\s+0 2 \* \* \*\s+in Europe\/Paris/);
    expect(created.stdout).toMatch(
      /next runs:\n {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*\(\w{3} \d{4}-\d\d-\d\d 02:00 Europe\/Paris\)/,
    );
    const id = /\(([0-9a-f-]{36})\)/.exec(created.stdout)![1]!;

    const job = (await server.admin.get(`/api/jobs/${id}`)).body;
    expect(job).toMatchObject({
      name: "Nightly train",
      cron: "0 2 * * *",
      timezone: "Europe/Paris",
      parameters: { n: 5 },
    });

    const listed = await tandem(["schedule", "list", "--project", projectId], env);
    expect(listed.stdout).toMatch(/Nightly train\s+Nightly\s+0 2 \* \* \*\s+Europe\/Paris\s+yes/);
    expect((await tandem(["schedule", "list"], env)).stdout).toContain(id);

    expect((await tandem(["schedule", "pause", id], env)).code).toBe(0);
    expect((await server.admin.get(`/api/jobs/${id}`)).body.enabled).toBe(false);
    expect((await tandem(["schedule", "show", id], env)).stdout).toMatch(/enabled:\s+no \(paused\)/);
    expect((await tandem(["schedule", "resume", id], env)).code).toBe(0);

    const updated = await tandem(
      ["schedule", "update", id, "-p", "m=2", "--cron", "none", "--webhook-on", "success,failure", "--json"],
      env,
    );
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({
      cron: null,
      parameters: { n: 5, m: 2 },
      webhook: { url: "http://127.0.0.1:9/hook", events: ["success", "failure"] },
    });

    const ran = await tandem(["schedule", "run", id, "--wait"], env);
    expect(ran.code, ran.stderr).toBe(0);
    expect((await server.admin.get(`/api/runs/${ran.stdout.trim()}`)).body).toMatchObject({
      jobId: id,
      status: "succeeded",
      parameters: { n: 5, m: 2 },
    });

    expect((await tandem(["schedule", "delete", id], env)).code).toBe(0);
    expect((await server.admin.get(`/api/jobs/${id}`)).status).toBe(404);
  }, 120_000);

  it("passes the server's word on an invalid cron, with a non-zero exit", async () => {
    const nb = await importNotebook("Cronless", ["pass"]);
    const bad = await tandem(["schedule", "create", nb, "--name", "Bad", "--cron", "61 * * * *"], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^tandem: .*\(400 \w+\)$/m);
    expect(bad.stderr).toMatch(/cron|minute|61/i);
    expect(
      (await server.admin.get(`/api/projects/${projectId}/jobs`)).body.map((j: { name: string }) => j.name),
    ).not.toContain("Bad");

    const preview = await tandem(
      ["schedule", "preview", "30 9 * * 1-5", "--tz", "America/New_York", "--count", "3"],
      env,
    );
    expect(preview.code, preview.stderr).toBe(0);
    const lines = preview.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    for (const line of lines)
      expect(line).toMatch(/\((Mon|Tue|Wed|Thu|Fri) \d{4}-\d\d-\d\d 09:30 America\/New_York\)$/);
    const refused = await tandem(["schedule", "preview", "not a cron"], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\(400 \w+\)/);
  }, 120_000);
});
