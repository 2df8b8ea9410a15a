import { createUser, type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { code, importNotebook, markdown, waitForRun } from "./scheduler-fixture.ts";

let server: TestServer;
let owner: TestUser;
let viewer: TestUser;
let projectId: string;
let training: string;

const TRAINING = [
  markdown("intro", "# Training"),
  code("params", "alpha = 0.1\nepochs = 2\nname: str = 'base'", ["parameters"]),
  code(
    "train",
    [
      "import mlflow",
      "for step in range(epochs):",
      "    mlflow.log_metric('loss', alpha / (step + 1), step=step)",
      "print('alpha is', alpha, 'name is', name)",
    ].join("\n"),
  ),
];

usePreamble(
  { kernels: true, env: { TANDEM_RUN_LEASE_MS: "2000" }, users: ["scientist", "client"], project: {} },
  (p) => {
    ({
      server,
      projectId,
      users: { scientist: owner, client: viewer },
    } = p);
  },
  60_000,
);
beforeAll(async () => {
  await owner.client.post(`/api/projects/${projectId}/members`, { email: viewer.email, role: "viewer" });
  training = await importNotebook(owner.client, projectId, "training", TRAINING);
}, 60_000);

describe("headless runs", { timeout: 120_000 }, () => {
  it("runs a notebook with injected parameters and records it as an experiment run", async () => {
    const created = await owner.client.post(`/api/notebooks/${training}/runs`, {
      parameters: { alpha: 0.5, name: 'it\'s "quoted"' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ status: "queued", trigger: "manual", number: 1 });

    const run = await waitForRun(owner.client, created.body.id);
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    expect(run.parameters).toEqual({ alpha: 0.5, name: 'it\'s "quoted"' });
    expect(run.cells.map((c: any) => c.status)).toEqual(["ok", "ok", "ok"]);
    expect(run.cells.every((c: any) => c.durationMs >= 0 && c.startedAt && c.finishedAt)).toBe(true);
    expect(run.durationMs).toBeGreaterThan(0);

    // The executed copy: the injected cell right after the parameters cell, outputs in place.
    const nb = (await owner.client.get(`/api/runs/${run.id}/ipynb`)).body;
    expect(nb.cells.map((c: any) => c.metadata.tags?.[0] ?? c.id)).toEqual([
      "intro",
      "parameters",
      "injected-parameters",
      "train",
    ]);
    expect(nb.cells[2].source).toContain("alpha = 0.5");
    const printed = nb.cells[3].outputs.map((o: any) => o.text).join("");
    expect(printed).toContain(`alpha is 0.5 name is it's "quoted"`);
    // The source notebook is untouched.
    const source = (await owner.client.get(`/api/notebooks/${training}/ipynb`)).body;
    expect(source.cells).toHaveLength(3);

    // The experiment run: params, the notebook's metrics, the executed notebook, FINISHED.
    expect(run.experimentRunId).toBeTruthy();
    expect(run.metrics.loss).toMatchObject({ value: 0.25, step: 1 });
    const exp = await owner.client.get(`/api/experiment-runs/${run.experimentRunId}`);
    expect(exp.status, JSON.stringify(exp.body)).toBe(200);
    expect(exp.body).toMatchObject({ status: "FINISHED", notebookId: training, params: { alpha: "0.5" } });
    expect(exp.body.endTime).toBeGreaterThan(0);
    const files = await owner.client.get(`/api/experiment-runs/${run.experimentRunId}/artifacts`);
    expect(files.body.map((f: any) => f.path)).toContain("notebook.ipynb");

    // The run's document is a read-only notebook of kind "run", not listed with the notebooks.
    const doc = await owner.client.get(`/api/notebooks/${run.documentId}`);
    expect(doc.body.kind).toBe("run");
    const listed = await owner.client.get(`/api/projects/${projectId}/notebooks`);
    expect(listed.body.map((n: any) => n.id)).not.toContain(run.documentId);
    const edit = await owner.client.post(`/api/notebooks/${run.documentId}/execute`, { cells: "all" });
    expect(edit.status).toBe(403);

    // Logs: lifecycle and output.
    const logs = await owner.client.get(`/api/runs/${run.id}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.body).toContain("alpha is 0.5");
    expect(logs.body).toMatch(/succeeded/);
  });

  it("stops at the first failing cell, shows the error on it, and still stores the executed notebook", async () => {
    const nb = await importNotebook(owner.client, projectId, "broken", [
      code("one", "x = 1"),
      code("boom", "raise ValueError('bad data')"),
      code("after", "print('never')"),
    ]);
    const created = await owner.client.post(`/api/notebooks/${nb}/runs`, {});
    const run = await waitForRun(owner.client, created.body.id);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "cell_error", cellId: "boom" });
    expect(run.error.message).toContain("ValueError: bad data");
    expect(run.cells.map((c: any) => c.status)).toEqual(["ok", "error", "skipped"]);
    const executed = (await owner.client.get(`/api/runs/${run.id}/ipynb`)).body;
    expect(executed.cells[1].outputs.some((o: any) => o.output_type === "error" && o.ename === "ValueError")).toBe(
      true,
    );
    const exp = await owner.client.get(`/api/experiment-runs/${run.experimentRunId}`);
    expect(exp.body.status).toBe("FAILED");
    const files = await owner.client.get(`/api/experiment-runs/${run.experimentRunId}/artifacts`);
    expect(files.body.map((f: any) => f.path)).toContain("notebook.ipynb");

    // With stopOnError off, the rest still runs.
    const lenient = await owner.client.post(`/api/notebooks/${nb}/runs`, { stopOnError: false });
    const done = await waitForRun(owner.client, lenient.body.id);
    expect(done.status).toBe("failed");
    expect(done.cells.map((c: any) => c.status)).toEqual(["ok", "error", "ok"]);
  });

  it("fails a run that goes past its timeout, and cancels on request", async () => {
    const nb = await importNotebook(owner.client, projectId, "slow", [
      code("sleep", "import time\nfor _ in range(600):\n    time.sleep(0.1)"),
    ]);
    const slow = await owner.client.post(`/api/notebooks/${nb}/runs`, { timeoutSeconds: 2 });
    const timedOut = await waitForRun(owner.client, slow.body.id);
    expect(timedOut.status).toBe("failed");
    // The timeout counts from the start (kernel start-up included), so on a slow machine it may land before the cell.
    expect(timedOut.error.code).toBe("timeout");
    expect(timedOut.error.message).toContain("timeout of 2 s");

    const long = await owner.client.post(`/api/notebooks/${nb}/runs`, {});
    await waitForRun(owner.client, long.body.id, (r) => r.cells[0]?.status === "running");
    const cancel = await owner.client.post(`/api/runs/${long.body.id}/cancel`, {});
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    const cancelled = await waitForRun(owner.client, long.body.id);
    expect(cancelled.status).toBe("cancelled");
    const exp = await owner.client.get(`/api/experiment-runs/${cancelled.experimentRunId}`);
    expect(exp.body.status).toBe("KILLED");
    const again = await owner.client.post(`/api/runs/${long.body.id}/cancel`, {});
    expect(again.status).toBe(409);
  });

  it("re-runs with the same or changed parameters, and lists the history", async () => {
    const first = await owner.client.post(`/api/notebooks/${training}/runs`, { parameters: { epochs: 1 } });
    await waitForRun(owner.client, first.body.id);
    const rerun = await owner.client.post(`/api/runs/${first.body.id}/rerun`, { parameters: { alpha: 0.2 } });
    expect(rerun.status, JSON.stringify(rerun.body)).toBe(201);
    expect(rerun.body).toMatchObject({
      trigger: "rerun",
      rerunOf: first.body.id,
      parameters: { epochs: 1, alpha: 0.2 },
    });
    const done = await waitForRun(owner.client, rerun.body.id);
    expect(done.status).toBe("succeeded");
    const retry = await owner.client.post(`/api/runs/${first.body.id}/retry`, {});
    expect(retry.body.parameters).toEqual({ epochs: 1 });
    await waitForRun(owner.client, retry.body.id);

    const page = await owner.client.get(`/api/notebooks/${training}/runs?limit=2`);
    expect(page.status).toBe(200);
    expect(page.body.runs).toHaveLength(2);
    expect(page.body.runs[0].id).toBe(retry.body.id);
    const next = await owner.client.get(`/api/notebooks/${training}/runs?limit=2&cursor=${page.body.nextCursor}`);
    expect(next.body.runs[0].id).toBe(first.body.id);
    const project = await viewer.client.get(`/api/projects/${projectId}/runs?status=succeeded`);
    expect(project.body.runs.length).toBeGreaterThanOrEqual(3);
  });

  it("refuses bad input with clear errors and keeps viewers read-only", async () => {
    const wrongName = await owner.client.post(`/api/notebooks/${training}/runs`, { parameters: { beta: 1 } });
    expect(wrongName.status).toBe(400);
    expect(wrongName.body.error.message).toContain(`"beta" is not a parameter of this notebook`);
    const wrongType = await owner.client.post(`/api/notebooks/${training}/runs`, { parameters: { epochs: "two" } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toContain(`"epochs" must be an int`);
    const badName = await owner.client.post(`/api/notebooks/${training}/runs`, { parameters: { "1x": 1 } });
    expect(badName.status).toBe(400);
    const unknown = await owner.client.post(`/api/notebooks/00000000-0000-4000-8000-000000000000/runs`, {});
    expect(unknown.status).toBe(404);
    const noRun = await owner.client.get(`/api/runs/00000000-0000-4000-8000-000000000000`);
    expect(noRun.status).toBe(404);
    expect(noRun.body.error.code).toBe("not_found");
    const badEnv = await owner.client.post(`/api/notebooks/${training}/runs`, {
      environmentId: "00000000-0000-4000-8000-000000000000",
    });
    expect(badEnv.status).toBe(400);
    expect(badEnv.body.error.message).toContain("no environment");
    const badRevision = await owner.client.post(`/api/notebooks/${training}/runs`, { revision: "nope" });
    expect(badRevision.status).toBe(400);
    const noRevision = await owner.client.post(`/api/notebooks/${training}/runs`, {
      revision: "00000000-0000-4000-8000-000000000000",
    });
    expect(noRevision.status).toBe(400);
    expect(noRevision.body.error.message).toContain("no version");

    // Viewers see runs but cannot start, cancel or delete them.
    expect((await viewer.client.post(`/api/notebooks/${training}/runs`, {})).status).toBe(403);
    const page = await viewer.client.get(`/api/notebooks/${training}/runs`);
    expect(page.status).toBe(200);
    const some = page.body.runs[0].id;
    expect((await viewer.client.get(`/api/runs/${some}`)).status).toBe(200);
    expect((await viewer.client.post(`/api/runs/${some}/retry`, {})).status).toBe(403);
    expect((await viewer.client.delete(`/api/runs/${some}`)).status).toBe(403);
    // Someone outside the project learns nothing.
    const stranger = await createUser(server.http, "stranger");
    expect((await stranger.client.get(`/api/runs/${some}`)).status).toBe(404);
    expect((await server.http.get(`/api/runs/${some}`)).status).toBe(401);
  });

  it("runs a pinned revision of the notebook", async () => {
    const nb = await importNotebook(owner.client, projectId, "versions", [code("v", "print('version one')")]);
    const version = await owner.client.post(`/api/notebooks/${nb}/versions`, { name: "v1" });
    expect(version.status, JSON.stringify(version.body)).toBe(201);
    const replaced = await owner.client.put(`/api/notebooks/${nb}/ipynb`, {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [code("v", "print('version two')")],
    });
    expect(replaced.status, JSON.stringify(replaced.body)).toBeLessThan(300);
    const pinned = await owner.client.post(`/api/notebooks/${nb}/runs`, { revision: version.body.id });
    const latest = await owner.client.post(`/api/notebooks/${nb}/runs`, {});
    const out = async (id: string) => {
      await waitForRun(owner.client, id);
      return (await owner.client.get(`/api/runs/${id}/logs`)).body;
    };
    expect(await out(pinned.body.id)).toContain("version one");
    expect(await out(latest.body.id)).toContain("version two");
  });

  it("keeps an interactive notebook running on the server from its current kernel state", async () => {
    const nb = await importNotebook(owner.client, projectId, "interactive", [
      code("setup", "x = 41"),
      code("long", "import time\ntime.sleep(1)\nx += 1\nprint('x is', x)"),
      code("last", "print('done with', x)"),
    ]);
    expect((await owner.client.post(`/api/notebooks/${nb}/execute`, { cells: ["setup"] })).status).toBe(202);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const kernel = (await owner.client.get(`/api/notebooks/${nb}/kernel`)).body;
      const doc = (await owner.client.get(`/api/notebooks/${nb}/ipynb`)).body;
      if (doc.cells[0].execution_count && !kernel.running && !kernel.queued?.length) break;
      if (Date.now() > deadline) throw new Error("the setup cell did not run");
      await new Promise((r) => setTimeout(r, 100));
    }
    const detached = await owner.client.post(`/api/notebooks/${nb}/detach`, { cellId: "long" });
    expect(detached.status, JSON.stringify(detached.body)).toBe(201);
    expect(detached.body).toMatchObject({ trigger: "detach", status: "running", documentId: nb });
    const twice = await owner.client.post(`/api/notebooks/${nb}/detach`, {});
    expect(twice.status).toBe(409);
    const run = await waitForRun(owner.client, detached.body.id);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    expect(run.cells.map((c: any) => [c.cellId, c.index, c.status])).toEqual([
      ["long", 1, "ok"],
      ["last", 2, "ok"],
    ]);
    // The outputs went into the notebook itself, computed from the kernel's existing state.
    const doc = (await owner.client.get(`/api/notebooks/${nb}/ipynb`)).body;
    expect(doc.cells[1].outputs.map((o: any) => o.text).join("")).toContain("x is 42");
    expect(doc.cells[2].outputs.map((o: any) => o.text).join("")).toContain("done with 42");
    const exp = await owner.client.get(`/api/experiment-runs/${run.experimentRunId}`);
    expect(exp.body.status).toBe("FINISHED");
    const unknownCell = await owner.client.post(`/api/notebooks/${nb}/detach`, { cellId: "nope" });
    expect(unknownCell.status).toBe(400);
    await owner.client.delete(`/api/notebooks/${nb}/kernel`);
  });
});
