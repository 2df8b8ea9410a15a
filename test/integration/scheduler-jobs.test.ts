import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createUser,
  type Kernelspecs,
  startTestServer,
  type TestServer,
  type TestUser,
  usePreamble,
} from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { code, importNotebook, waitForRun } from "./scheduler-fixture.ts";

// The schedulers' clock: tests move it to a fire time and tick.
let now = new Date("2026-03-27T12:00:00Z");
const clock = () => now;

let server: TestServer;
let second: TestServer;
let specs: Kernelspecs;
let owner: TestUser;
let projectId: string;
let nightly: string;

const tick = () => server.server!.scheduler.tick();

/** The job's runs, oldest first. */
async function runsOf(jobId: string): Promise<any[]> {
  const res = await owner.client.get(`/api/jobs/${jobId}/runs?limit=500`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.runs.sort((a: any, b: any) => a.scheduledFor.localeCompare(b.scheduledFor) || a.number - b.number);
}

async function createJob(body: Record<string, unknown>) {
  const res = await owner.client.post(`/api/projects/${projectId}/jobs`, { notebookId: nightly, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

usePreamble(
  { kernels: true, clock, users: ["scientist"], project: {} },
  (p) => {
    ({
      server,
      specs,
      projectId,
      users: { scientist: owner },
    } = p);
  },
  60_000,
);
beforeAll(async () => {
  // A second server on the same database: a second scheduler ticking on the same jobs.
  second = await startTestServer({ env: specs.env, clock, database: server.database });
  nightly = await importNotebook(owner.client, projectId, "nightly", [
    code("params", "day = 'unset'\nrate = 0.1", ["parameters"]),
    code("work", "print('retraining for', day, 'at', rate)"),
  ]);
}, 60_000);
afterAll(async () => {
  await second?.close();
});

describe("job definitions and cron schedules", { timeout: 120_000 }, () => {
  it("fires a nightly schedule in its time zone, across a DST change, once however many schedulers tick", async () => {
    const job = await createJob({
      name: "Nightly retrain",
      cron: "0 2 * * *",
      timezone: "Europe/Paris",
      parameters: { day: "today" },
    });
    // 02:00 in Paris: CET (UTC+1), then on 29 March 02:00 does not exist (clocks go to 03:00), then CEST (UTC+2).
    expect(job.upcoming.slice(0, 3)).toEqual([
      "2026-03-28T01:00:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:00:00.000Z",
    ]);
    expect(job.nextFireAt).toBe("2026-03-28T01:00:00.000Z");

    // Not yet due: nothing.
    now = new Date("2026-03-28T00:59:59Z");
    await tick();
    expect(await runsOf(job.id)).toHaveLength(0);

    // Due: both servers tick at once; one run.
    now = new Date("2026-03-28T01:00:00.300Z");
    await Promise.all([tick(), second.server!.scheduler.tick(), tick()]);
    const [run, ...rest] = await runsOf(job.id);
    expect(rest).toHaveLength(0);
    expect(run).toMatchObject({
      trigger: "schedule",
      scheduledFor: "2026-03-28T01:00:00.000Z",
      jobName: "Nightly retrain",
    });
    const done = await waitForRun(owner.client, run.id);
    expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
    expect(done.parameters).toEqual({ day: "today" });
    expect((await owner.client.get(`/api/runs/${run.id}/logs`)).body).toContain("retraining for today at 0.1");

    const after = (await owner.client.get(`/api/jobs/${job.id}`)).body;
    expect(after.nextFireAt).toBe("2026-03-29T01:00:00.000Z");
    expect(after.lastRun).toMatchObject({ id: run.id, status: "succeeded" });

    // The morning the clocks go forward: it fires at 03:00 local, once.
    now = new Date("2026-03-29T01:00:01Z");
    await Promise.all([tick(), second.server!.scheduler.tick()]);
    const runs = await runsOf(job.id);
    expect(runs.map((r) => r.scheduledFor)).toEqual(["2026-03-28T01:00:00.000Z", "2026-03-29T01:00:00.000Z"]);
    await waitForRun(owner.client, runs[1].id);
    await owner.client.patch(`/api/jobs/${job.id}`, { enabled: false });
  });

  it("follows the catch-up policy for fire times missed while the server was down", async () => {
    now = new Date("2026-04-01T10:00:00Z");
    const hourly = { cron: "0 * * * *", parameters: { rate: 0.5 } };
    const all = await createJob({ name: "all", ...hourly, catchUp: "all", concurrency: "allow" });
    const latest = await createJob({ name: "latest", ...hourly, catchUp: "latest" });
    const none = await createJob({ name: "none", ...hourly, catchUp: "none" });
    // Down from 10:00 to 13:30: 11:00, 12:00 and 13:00 were missed.
    now = new Date("2026-04-01T13:30:00Z");
    await tick();
    const scheduled = async (id: string) => (await runsOf(id)).map((r) => r.scheduledFor);
    expect(await scheduled(all.id)).toEqual([
      "2026-04-01T11:00:00.000Z",
      "2026-04-01T12:00:00.000Z",
      "2026-04-01T13:00:00.000Z",
    ]);
    expect(await scheduled(latest.id)).toEqual(["2026-04-01T13:00:00.000Z"]);
    expect(await scheduled(none.id)).toEqual([]);
    for (const job of [all, latest, none]) {
      const view = (await owner.client.get(`/api/jobs/${job.id}`)).body;
      expect(view.nextFireAt).toBe("2026-04-01T14:00:00.000Z");
      await owner.client.patch(`/api/jobs/${job.id}`, { enabled: false });
    }
    for (const r of [...(await runsOf(all.id)), ...(await runsOf(latest.id))]) {
      expect((await waitForRun(owner.client, r.id)).status).toBe("succeeded");
    }
  });

  it("runs a job now, skips an overlapping run, and tells the webhook how each ended", async () => {
    const received: any[] = [];
    const hook: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ type: req.headers["content-type"], body: JSON.parse(body) });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
    try {
      const slow = await importNotebook(owner.client, projectId, "slow", [
        code("params", "seconds = 0", ["parameters"]),
        code("wait", "import time\ntime.sleep(seconds)"),
      ]);
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
      const res = await owner.client.post(`/api/projects/${projectId}/jobs`, {
        notebookId: slow,
        name: "with hook",
        concurrency: "skip",
        webhook: { url, events: ["success", "failure"] },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const job = res.body;
      expect(job.cron).toBeNull();
      expect(job.upcoming).toEqual([]);

      const first = await owner.client.post(`/api/jobs/${job.id}/run`, { parameters: { seconds: 3 } });
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      const overlap = await owner.client.post(`/api/jobs/${job.id}/run`, {});
      expect(overlap.body.status).toBe("skipped");
      expect((await owner.client.get(`/api/runs/${overlap.body.id}/logs`)).body).toContain("still going");
      expect((await waitForRun(owner.client, first.body.id)).status).toBe("succeeded");

      // time.sleep(-1) raises: a failure.
      const bad = await owner.client.post(`/api/jobs/${job.id}/run`, { parameters: { seconds: -1 } });
      expect(bad.status).toBe(201);
      const failed = await waitForRun(owner.client, bad.body.id);
      expect(failed.status).toBe("failed");

      const deadline = Date.now() + 20_000;
      while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(received.map((r) => [r.body.event, r.body.run.id])).toEqual([
        ["success", first.body.id],
        ["failure", bad.body.id],
      ]);
      expect(received[0].type).toContain("application/json");
      expect(received[0].body.job).toEqual({ id: job.id, name: "with hook" });
      expect(received[1].body.run.error.code).toBe("cell_error");
    } finally {
      hook.close();
    }
  });

  it("refuses invalid definitions and explains what stops a job from running", async () => {
    const badCron = await owner.client.post(`/api/projects/${projectId}/jobs`, {
      notebookId: nightly,
      name: "bad",
      cron: "61 * * * *",
    });
    expect(badCron.status).toBe(400);
    expect(badCron.body.error.message).toMatch(/Invalid cron expression "61 \* \* \* \*".*minute/);
    const badZone = await owner.client.post(`/api/projects/${projectId}/jobs`, {
      notebookId: nightly,
      name: "bad",
      cron: "0 2 * * *",
      timezone: "Mars/Olympus",
    });
    expect(badZone.status).toBe(400);
    expect(badZone.body.error.message).toContain("Unknown time zone");
    const badParams = await owner.client.post(`/api/projects/${projectId}/jobs`, {
      notebookId: nightly,
      name: "bad",
      parameters: { nope: 1 },
    });
    expect(badParams.status).toBe(400);
    expect(badParams.body.error.message).toContain('"nope" is not a parameter');
    const preview = await owner.client.get(`/api/cron/preview?cron=${encodeURIComponent("*/15 9-17 * * 1-5")}&count=3`);
    expect(preview.status).toBe(200);
    expect(preview.body.upcoming).toHaveLength(3);
    const badPreview = await owner.client.get(`/api/cron/preview?cron=nonsense`);
    expect(badPreview.status).toBe(400);

    // A job whose notebook is deleted says so, and a run of it fails with that reason (never stuck).
    const doomed = await importNotebook(owner.client, projectId, "doomed", [code("a", "print(1)")]);
    const job = (
      await owner.client.post(`/api/projects/${projectId}/jobs`, {
        notebookId: doomed,
        name: "orphan",
        cron: "0 3 * * *",
      })
    ).body;
    expect(job.problem).toBeNull();
    expect((await owner.client.delete(`/api/notebooks/${doomed}`)).status).toBe(204);
    const orphan = (await owner.client.get(`/api/jobs/${job.id}`)).body;
    expect(orphan.notebookId).toBeNull();
    expect(orphan.problem).toContain("notebook was deleted");
    now = new Date(new Date(orphan.nextFireAt).getTime() + 100);
    await tick();
    const [run] = await runsOf(job.id);
    const failed = await waitForRun(owner.client, run.id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ code: "notebook_missing" });
    // Pointed at another notebook, it can run again.
    const repointed = await owner.client.patch(`/api/jobs/${job.id}`, { notebookId: nightly });
    expect(repointed.status, JSON.stringify(repointed.body)).toBe(200);
    expect(repointed.body).toMatchObject({ notebookId: nightly, notebookName: "nightly", problem: null });
    expect((await owner.client.delete(`/api/jobs/${job.id}`)).status).toBe(204);
    expect((await owner.client.get(`/api/jobs/${job.id}`)).status).toBe(404);
    // Its history stays.
    expect((await owner.client.get(`/api/runs/${run.id}`)).status).toBe(200);
  });

  it("runs a job as whoever saved it last, and refuses to act for someone who no longer edits the project", async () => {
    const colleague = await createUser(server.http, "colleague");
    const added = await owner.client.post(`/api/projects/${projectId}/members`, {
      email: colleague.email,
      role: "editor",
    });
    expect(added.status, JSON.stringify(added.body)).toBeLessThan(300);
    const job = await colleague.client.post(`/api/projects/${projectId}/jobs`, {
      notebookId: nightly,
      name: "theirs",
      cron: "0 3 * * *",
      catchUp: "latest",
    });
    expect(job.status, JSON.stringify(job.body)).toBe(201);
    expect(job.body.createdBy).toBe(colleague.id);
    const demoted = await owner.client.patch(`/api/projects/${projectId}/members/${colleague.id}`, { role: "viewer" });
    expect(demoted.status, JSON.stringify(demoted.body)).toBe(200);

    now = new Date(new Date(job.body.nextFireAt).getTime() + 100);
    await tick();
    const [refused] = await runsOf(job.body.id);
    const failed = await waitForRun(owner.client, refused.id);
    expect(failed.status).toBe("failed");
    expect(failed.error.code).toBe("forbidden");
    expect(failed.error.message).toContain("no longer edits the project");

    // An editor saving the job takes it over: the next fire runs as them.
    const taken = await owner.client.patch(`/api/jobs/${job.body.id}`, { parameters: { day: "mine" } });
    expect(taken.body.createdBy).toBe(owner.id);
    now = new Date(new Date(taken.body.nextFireAt).getTime() + 100);
    await tick();
    const runs = await runsOf(job.body.id);
    const done = await waitForRun(owner.client, runs[runs.length - 1].id);
    expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
    expect(done.createdBy).toBe(owner.id);
    await owner.client.patch(`/api/jobs/${job.body.id}`, { enabled: false });
  });
});
