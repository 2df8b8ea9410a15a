import type { TestUser } from "@tandem/testkit";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { type BrowserPreamble, useBrowserPreamble } from "./preamble.ts";

let owner: TestUser;
let projectId: string;
let notebookId: string;
let openAs: BrowserPreamble["openAs"];
// The scheduler's clock runs with real time, shifted when a test wants a cron time to come.
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);

const UUID = /\/runs\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A notebook with a `parameters` cell (papermill's convention) and a cell that prints them. */
const PARAMETERISED = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
  cells: [
    {
      id: "params",
      cell_type: "code",
      metadata: { tags: ["parameters"] },
      source: "alpha = 1\nlabel = 'default'",
      outputs: [],
      execution_count: null,
    },
    {
      id: "report",
      cell_type: "code",
      metadata: {},
      source: "print('alpha is', alpha, 'label is', label)",
      outputs: [],
      execution_count: null,
    },
  ],
};

useBrowserPreamble(
  {
    kernels: true,
    env: { TANDEM_RUN_LEASE_MS: "3000" },
    clock,
    users: ["sched"],
    project: { name: "Nightly" },
    pageTimeoutMs: 30_000,
  },
  (p) => {
    ({
      projectId,
      openAs,
      users: { sched: owner },
    } = p);
  },
);
beforeAll(async () => {
  const nb = await owner.client.request("POST", `/api/projects/${projectId}/notebooks/import?name=Train`, {
    rawBody: JSON.stringify(PARAMETERISED),
    headers: { "content-type": "application/json" },
  });
  expect(nb.status).toBe(201);
  notebookId = nb.body.id;
});

const open = (path: string): Promise<Page> => openAs(owner, path);

describe("jobs in the web app", () => {
  it("creates a job with a cron, previews its next fire times, and refuses an invalid cron with the server's message", async () => {
    const page = await open(`/projects/${projectId}`);
    await page.getByRole("link", { name: "Jobs" }).click();
    await page.getByRole("heading", { name: "Jobs" }).waitFor();
    await page.getByRole("button", { name: "New job" }).click();

    const form = page.getByRole("form", { name: "New job" });
    await form.getByLabel("Name", { exact: true }).fill("Nightly training");
    await form.getByLabel("Notebook").selectOption({ label: "Train" });
    await form.getByRole("button", { name: "+ Add parameter" }).click();
    await form.getByLabel("Parameter 1 name").fill("alpha");
    await form.getByLabel("Parameter 1 value").fill("3");

    // An invalid cron: the page shows what the server says about it, word for word.
    const expected = await owner.client.get(`/api/cron/preview?cron=${encodeURIComponent("61 * * * *")}&timezone=UTC`);
    expect(expected.status).toBe(400);
    await form.getByLabel("Time zone").fill("UTC");
    await form.getByLabel("Cron").fill("61 * * * *");
    await form.getByRole("alert").filter({ hasText: expected.body.error.message }).waitFor();
    expect(await form.getByLabel("Cron").getAttribute("aria-invalid")).toBe("true");

    // A valid one: its next fire times, as the server computes them, and the cron in words.
    await form.getByLabel("Cron").fill("0 2 * * *");
    const times = form.getByRole("list", { name: "Next fire times" }).locator("li");
    await expect.poll(() => times.count()).toBe(5);
    await form.getByText("Every day at 02:00 (UTC)").waitFor();
    const preview = await owner.client.get(`/api/cron/preview?cron=${encodeURIComponent("0 2 * * *")}&timezone=UTC`);
    expect(await times.first().locator("time").getAttribute("datetime")).toBe(preview.body.upcoming[0]);

    await form.getByRole("button", { name: "Create job" }).click();
    await page.getByRole("heading", { name: "Nightly training" }).waitFor();
    const next = page.getByRole("list", { name: "Next runs of Nightly training" }).locator("time");
    await expect.poll(() => next.count()).toBeGreaterThan(0);
    expect(new Date((await next.first().getAttribute("datetime"))!).getUTCHours()).toBe(2);

    // The list: schedule in words, next runs, an enabled switch that pauses the job.
    await page.getByRole("link", { name: "Jobs" }).click();
    await page.getByText("Every day at 02:00").waitFor();
    await page.getByRole("list", { name: "Next runs of Nightly training" }).waitFor();
    const toggle = page.getByRole("switch", { name: "Enabled Nightly training" });
    expect(await toggle.isChecked()).toBe(true);
    await toggle.uncheck();
    await page.getByText("Paused").waitFor();
    const jobs = await owner.client.get(`/api/projects/${projectId}/jobs`);
    expect(jobs.body).toMatchObject([
      { name: "Nightly training", enabled: false, cron: "0 2 * * *", parameters: { alpha: 3 } },
    ]);
    await page.context().close();
  }, 240_000);

  it("shows a job whose notebook was deleted, with the reason it cannot run", async () => {
    const nb = await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "Doomed" });
    const job = await owner.client.post(`/api/projects/${projectId}/jobs`, { notebookId: nb.body.id, name: "Orphan" });
    expect(job.status).toBe(201);
    expect((await owner.client.request("DELETE", `/api/notebooks/${nb.body.id}`)).status).toBe(204);
    const problem = (await owner.client.get(`/api/jobs/${job.body.id}`)).body.problem as string;
    expect(problem).toBeTruthy();
    const page = await open(`/projects/${projectId}/jobs`);
    await page.locator(`[data-job-id="${job.body.id}"]`).getByRole("alert").filter({ hasText: problem }).waitFor();
    expect(await page.getByRole("button", { name: "Run Orphan now" }).isDisabled()).toBe(true);
    await page.context().close();
  }, 240_000);
});

describe("scheduled runs", () => {
  it("a job fires at its cron time; the run shows in its history as started by the schedule", async () => {
    const nb = await owner.client.request("POST", `/api/projects/${projectId}/notebooks/import?name=Cron`, {
      rawBody: JSON.stringify(PARAMETERISED),
      headers: { "content-type": "application/json" },
    });
    const job = await owner.client.post(`/api/projects/${projectId}/jobs`, {
      notebookId: nb.body.id,
      name: "Hourly",
      cron: "0 * * * *",
      timezone: "UTC",
      parameters: { alpha: 5, label: "cron" },
    });
    expect(job.status).toBe(201);
    const page = await open(`/jobs/${job.body.id}`);
    await page.getByText("This job has not run yet.").waitFor();
    const firstFire = job.body.upcoming[0] as string;
    const times = page.getByRole("list", { name: "Next runs of Hourly" }).locator("time");
    expect(await times.first().getAttribute("datetime")).toBe(firstFire);

    // Time comes: the scheduler enqueues the run, which is recorded as the schedule's.
    offsetMs = Date.parse(firstFire) - Date.now() + 200;
    let runs: any[] = [];
    await expect
      .poll(
        async () => {
          runs = (await owner.client.get(`/api/jobs/${job.body.id}/runs`)).body.runs;
          return runs.length;
        },
        { timeout: 30_000 },
      )
      .toBe(1);
    await page.reload();
    const row = page.getByRole("table", { name: "Job runs" }).locator(`tr[data-run-id="${runs[0].id}"]`);
    await row.getByText("Schedule").waitFor();
    await row.getByText("alpha=5, label=cron").waitFor();
    await row.locator('[data-status="succeeded"]').waitFor({ timeout: 120_000 });
    // The next fire time has moved on.
    expect(await times.first().getAttribute("datetime")).not.toBe(firstFire);
    await page.context().close();
  }, 240_000);
});

describe("runs in the web app", () => {
  it("runs a notebook with parameters from its page and watches the run succeed with the injected parameters", async () => {
    const page = await open(`/notebooks/${notebookId}`);
    await page.getByRole("button", { name: "Run…" }).click();
    const form = page.getByRole("form", { name: "Run with parameters" });
    await form.getByRole("button", { name: "+ Add parameter" }).click();
    await form.getByLabel("Parameter 1 name").fill("alpha");
    await form.getByLabel("Parameter 1 value").fill("42");
    await form.getByRole("button", { name: "+ Add parameter" }).click();
    await form.getByLabel("Parameter 2 name").fill("label");
    await form.getByLabel("Parameter 2 value").fill("from the UI");
    await form.getByRole("button", { name: "Start run" }).click();

    await page.waitForURL(UUID);
    await page.getByRole("heading", { name: /Run #1 of Train/ }).waitFor();
    await page.locator('.page-head [data-status="succeeded"]').waitFor({ timeout: 120_000 });
    const params = page.getByRole("table", { name: "Parameters" });
    expect(await params.innerText()).toContain("42");
    expect(await params.innerText()).toContain("from the UI");

    // The run's own document, live and read-only: the injected cell and the output it led to.
    const doc = page.getByRole("region", { name: "Run document" });
    await doc.locator(".cell", { hasText: "alpha = 42" }).waitFor();
    await doc.locator(".stream-stdout", { hasText: "alpha is 42 label is from the UI" }).waitFor();
    await doc.getByText("Read-only").waitFor();
    expect(await doc.getByRole("button", { name: "Run cell" }).count()).toBe(0);
    await page.getByRole("table", { name: "Cell timing" }).waitFor();

    await page.getByRole("button", { name: "Logs" }).click();
    await page.getByRole("region", { name: "Logs" }).getByText("alpha is 42").waitFor();
    const download = page.getByRole("link", { name: "Download .ipynb" });
    expect(await download.getAttribute("href")).toMatch(/\/api\/runs\/.+\/ipynb$/);

    // Re-run with a changed parameter: the form starts from this run's parameters.
    const first = page.url();
    await page.getByRole("button", { name: "Re-run with changes…" }).click();
    const rerun = page.getByRole("form", { name: "Re-run with changed parameters" });
    expect(await rerun.getByLabel("Parameter 1 value").inputValue()).toBe("42");
    await rerun.getByLabel("Parameter 1 value").fill("7");
    await rerun.getByRole("button", { name: "Start re-run" }).click();
    await page.waitForURL((url) => UUID.test(url.pathname) && url.href !== first);
    await page.locator('.page-head [data-status="succeeded"]').waitFor({ timeout: 120_000 });
    await page
      .getByRole("region", { name: "Run document" })
      .locator(".stream-stdout", { hasText: "alpha is 7 label is from the UI" })
      .waitFor();

    // The project's run history lists both, with their parameters.
    await page.goto(`/projects/${projectId}/runs`);
    const table = page.getByRole("table", { name: "Runs" });
    await expect.poll(() => table.locator("tbody tr").count()).toBeGreaterThanOrEqual(2);
    await table.locator("tbody tr", { hasText: "alpha=7" }).locator('[data-status="succeeded"]').waitFor();
    await page.getByLabel("Notebook", { exact: true }).selectOption({ label: "Train" });
    await page.waitForURL(`**/runs?notebookId=${notebookId}`);
    await expect.poll(() => table.locator("tbody tr").count()).toBe(2);

    // The notebook's recent runs, and its run document opened directly says whose record it is.
    await page.goto(`/notebooks/${notebookId}`);
    await page.getByRole("button", { name: "Run…" }).click();
    await page.getByRole("list", { name: "Recent runs" }).getByRole("link", { name: "#2" }).waitFor();
    const run = (await owner.client.get(`/api/notebooks/${notebookId}/runs?limit=1`)).body.runs[0];
    await page.goto(`/notebooks/${run.documentId}`);
    await page.getByText(`This is the record of run #${run.number}`).waitFor();
    await page.getByRole("link", { name: "Open the run" }).click();
    await page.waitForURL(`**/runs/${run.id}`);
    await page.context().close();
  }, 240_000);

  it("keeps a notebook running on the server from the selected cell, outputs arriving in the notebook", async () => {
    const nb = await owner.client.request("POST", `/api/projects/${projectId}/notebooks/import?name=Long`, {
      rawBody: JSON.stringify(PARAMETERISED),
      headers: { "content-type": "application/json" },
    });
    const page = await open(`/notebooks/${nb.body.id}`);
    await page.locator(".cell").first().waitFor();
    await page.getByRole("button", { name: "Run…" }).click();
    await page.getByText("from the selected cell (cell 1)").waitFor();
    await page.getByRole("button", { name: "Keep running from here" }).click();
    const notice = page.getByRole("status").filter({ hasText: "Running on the server as run #1" });
    await notice.waitFor();
    // The outputs land in the notebook itself, for everyone who has it open.
    await page.locator(".stream-stdout", { hasText: "alpha is 1 label is default" }).waitFor({ timeout: 120_000 });
    await notice.getByRole("link", { name: "run #1" }).click();
    await page.waitForURL(UUID);
    await page.locator('.page-head [data-status="succeeded"]').waitFor({ timeout: 120_000 });
    await page.getByText("Kept running on the server from the notebook").waitFor();
    await page.context().close();
  }, 240_000);

  it("shows a failed run's error and its failing cell, and cancels a running one", async () => {
    const nb = await owner.client.request("POST", `/api/projects/${projectId}/notebooks/import?name=Fragile`, {
      rawBody: JSON.stringify({
        ...PARAMETERISED,
        cells: [
          { ...PARAMETERISED.cells[0], source: "seconds = 0" },
          { id: "divide", cell_type: "code", metadata: {}, source: "1/0", outputs: [], execution_count: null },
        ],
      }),
      headers: { "content-type": "application/json" },
    });
    const failing = await owner.client.post(`/api/notebooks/${nb.body.id}/runs`, { parameters: {} });
    expect(failing.status).toBe(201);
    const page = await open(`/runs/${failing.body.id}`);
    await page.locator('.page-head [data-status="failed"]').waitFor({ timeout: 120_000 });
    const error = page.locator(".run-error");
    await error.getByText("cell_error").waitFor();
    await error.getByText("ZeroDivisionError").waitFor();
    await error.getByRole("button", { name: "Show the failing cell" }).click();
    await page.locator('.run-document .cell-active[data-cell-id="divide"]').waitFor();
    await page.locator("table[aria-label='Cell timing'] tr.cell-failed").waitFor();

    const slow = await owner.client.request("POST", `/api/projects/${projectId}/notebooks/import?name=Slow`, {
      rawBody: JSON.stringify({
        ...PARAMETERISED,
        cells: [
          {
            id: "sleep",
            cell_type: "code",
            metadata: {},
            source: "import time\ntime.sleep(300)",
            outputs: [],
            execution_count: null,
          },
        ],
      }),
      headers: { "content-type": "application/json" },
    });
    const long = await owner.client.post(`/api/notebooks/${slow.body.id}/runs`, { parameters: {} });
    await page.goto(`/runs/${long.body.id}`);
    await page.locator('.page-head [data-status="running"]').waitFor({ timeout: 60_000 });
    await page.getByRole("button", { name: "Cancel run" }).click();
    await page.locator('.page-head [data-status="cancelled"]').waitFor({ timeout: 60_000 });
    expect(await page.getByRole("button", { name: "Cancel run" }).count()).toBe(0);
    await page.context().close();
  }, 240_000);
});
