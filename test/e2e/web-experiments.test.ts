import { createProject, createUser, startTestServer, type TestServer, type TestUser } from "@tandem/testkit";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, signedInContext, WEB_DIST } from "./browser.ts";

const M = "/api/2.0/mlflow";
let server: TestServer;
let browser: Browser;
let owner: TestUser;
let projectId: string;
let experimentId: string;

beforeAll(async () => {
  server = await startTestServer({ env: { TANDEM_WEB_DIST: WEB_DIST } });
  browser = await launchChromium();
  owner = await createUser(server.http, "exp");
  projectId = await createProject(owner.client, [], "Vision");
  const exp = await owner.client.post(`${M}/experiments/create`, {
    name: "resnet",
    tags: [{ key: "tandem.projectId", value: projectId }],
  });
  experimentId = exp.body.experiment_id;
  for (const [name, lr, final] of [
    ["alpha", "0.1", 0.3],
    ["beta", "0.01", 0.7],
    ["gamma", "0.001", 0.5],
  ] as const) {
    const run = await owner.client.post(`${M}/runs/create`, {
      experiment_id: experimentId,
      run_name: name,
      start_time: 1000,
    });
    const runId = run.body.run.info.run_id;
    const batch = await owner.client.post(`${M}/runs/log-batch`, {
      run_id: runId,
      params: [{ key: "lr", value: lr }],
      metrics: [0, 1, 2].map((step) => ({
        key: "loss",
        value: step === 2 ? final : 1 - step * 0.1,
        timestamp: 1000 + step,
        step,
      })),
    });
    expect(batch.status).toBe(200);
    if (name === "alpha") {
      const nb = JSON.stringify({
        cells: [
          { cell_type: "code", source: "print('trained')", outputs: [{ output_type: "stream", text: "trained\n" }] },
        ],
      });
      for (const [file, body] of [
        ["notes.txt", "hello artifacts"],
        ["run.ipynb", nb],
      ]) {
        const put = await owner.client.request(
          "PUT",
          `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/${file}`,
          {
            rawBody: body,
            headers: { "content-type": "text/plain" },
          },
        );
        expect(put.status).toBe(200);
      }
    }
  }
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("web experiment tracking", () => {
  it("lists runs, sorts by a metric, filters, opens a run chart and compares two runs", async () => {
    const context = await signedInContext(browser, server.url, owner.cookie);
    const page = await context.newPage();
    await page.goto(`/projects/${projectId}`);
    await page.getByRole("link", { name: "Experiments" }).click();
    await page.getByRole("link", { name: "resnet" }).click();
    await page.getByRole("heading", { name: "resnet" }).waitFor();
    await page.getByRole("link", { name: "gamma" }).waitFor();

    const runNames = () => page.locator(".runs-table tbody tr td:nth-child(2)").allInnerTexts();
    await page.getByRole("button", { name: "loss" }).click(); // descending
    await expect.poll(runNames).toEqual(["beta", "gamma", "alpha"]);
    await page.getByRole("button", { name: "loss" }).click(); // ascending
    await expect.poll(runNames).toEqual(["alpha", "gamma", "beta"]);

    await page.getByRole("button", { name: "Run", exact: true }).click(); // by name, descending
    await expect.poll(runNames).toEqual(["gamma", "beta", "alpha"]);

    await page.getByLabel("Filter").fill("metrics.loss >");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("alert").filter({ hasText: "Invalid filter" }).waitFor();
    await page.getByLabel("Filter").fill("params.lr = '0.01'");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(runNames).toEqual(["beta"]);
    await page.getByLabel("Filter").fill("");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(runNames).toHaveLength(3);

    await page.getByLabel("Select alpha").check();
    await page.getByLabel("Select beta").check();
    await page.getByRole("button", { name: /Compare/ }).click();
    await page.getByRole("heading", { name: "Compare runs" }).waitFor();
    await page.locator("tr.differs", { hasText: "lr" }).waitFor();
    await page.getByRole("img", { name: "Chart of loss" }).locator("canvas").waitFor();

    await page.getByRole("link", { name: "alpha" }).click();
    await page.getByRole("heading", { name: "alpha" }).waitFor();
    // Experiment runs live at /experiment-runs/<id> (/runs/<uuid> is a notebook run).
    expect(new URL(page.url()).pathname).toMatch(/^\/experiment-runs\/[0-9a-f]{32}$/);
    const runPath = new URL(page.url()).pathname;
    await page.getByRole("img", { name: "Chart of loss" }).locator("canvas").waitFor();
    await page.getByRole("radio", { name: "Time" }).click();
    await page.getByRole("img", { name: "Chart of loss" }).locator("canvas").waitFor();
    await expect(page.getByRole("table", { name: "Parameters" }).innerText()).resolves.toContain("0.1");

    await page.getByRole("button", { name: "notes.txt" }).click();
    await page.getByText("hello artifacts").waitFor();
    await page.getByRole("button", { name: "run.ipynb" }).click();
    await page.getByRole("list", { name: "Executed notebook" }).getByText("trained", { exact: true }).waitFor();

    // Old links to /runs/<32 hex> still land on the experiment run.
    await page.goto(runPath.replace("/experiment-runs/", "/runs/"));
    await page.waitForURL(`**${runPath}`);
    await page.getByRole("heading", { name: "alpha" }).waitFor();
    await context.close();
  });
});
