import type { TestServer, TestUser } from "@tandem/testkit";
import type { Browser } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { signedInContext } from "./browser.ts";
import { useBrowserPreamble } from "./preamble.ts";

const M = "/api/2.0/mlflow";
let server: TestServer;
let browser: Browser;
let owner: TestUser;
let projectId: string;
let experimentId: string;

useBrowserPreamble({ users: ["exp"], project: { name: "Vision" } }, (p) => {
  ({
    server,
    browser,
    projectId,
    users: { exp: owner },
  } = p);
});
beforeAll(async () => {
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

describe("web experiment tracking", () => {
  it("lists runs, sorts by a metric, filters, opens a run chart and compares two runs", async () => {
    const context = await signedInContext(browser, server.url, owner.cookie);
    const page = await context.newPage();
    await page.goto(`/projects/${projectId}`);
    await page.getByRole("link", { name: "Experiments" }).click();
    // Breadcrumbs name the project.
    const crumbs = () => page.getByRole("navigation", { name: "Breadcrumb" }).textContent();
    await expect.poll(crumbs).toBe("Projects/Vision/");
    await page.getByRole("link", { name: "resnet" }).click();
    await page.getByRole("heading", { name: "resnet" }).waitFor();
    await expect.poll(crumbs).toBe("Projects/Vision/Experiments/");
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
    await expect.poll(crumbs).toBe("Projects/resnet/");
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

/** A run that logged a model the way MLflow 3's client does: logged-models create, files, finalise, outputs. */
async function runWithLoggedModel(accuracy: number, notebookId: string) {
  const run = await owner.client.post(`${M}/runs/create`, {
    experiment_id: experimentId,
    run_name: `train-${accuracy}`,
    start_time: 2000,
    tags: [
      { key: "tandem.notebookId", value: notebookId },
      { key: "tandem.environmentId", value: "sha256-0f3a9c2e7d" },
    ],
  });
  const runId = run.body.run.info.run_id as string;
  await owner.client.post(`${M}/runs/log-batch`, {
    run_id: runId,
    metrics: [{ key: "accuracy", value: accuracy, timestamp: 2000, step: 0 }],
  });
  await owner.client.post(`${M}/runs/log-inputs`, {
    run_id: runId,
    datasets: [{ dataset: { name: "churn.csv", digest: "d41d8cd9", source_type: "local", source: "{}" }, tags: [] }],
  });
  const created = await owner.client.post(`${M}/logged-models`, {
    experiment_id: experimentId,
    name: "model",
    source_run_id: runId,
    model_type: "sklearn",
  });
  const modelId = created.body.model.info.model_id as string;
  const root = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/models/${modelId}/artifacts`;
  const mlmodel = `flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n  sklearn:\n    pickled_model: model.skops\nsignature:\n  inputs: '[{"type": "double", "name": "tenure", "required": true}]'\n  outputs: '[{"type": "long", "required": true}]'\n  params: null\n`;
  for (const [file, body] of [
    ["MLmodel", mlmodel],
    ["input_example.json", '{"columns": ["tenure"], "data": [[12.0]]}'],
  ] as const) {
    const put = await owner.client.request("PUT", `${root}/${file}`, {
      rawBody: body,
      headers: { "content-type": "text/plain" },
    });
    expect(put.status).toBe(200);
  }
  await owner.client.patch(`${M}/logged-models/${modelId}`, { model_id: modelId, status: "LOGGED_MODEL_READY" });
  await owner.client.post(`${M}/runs/outputs`, { run_id: runId, models: [{ model_id: modelId, step: 0 }] });
  return runId;
}

describe("web models", () => {
  it("registers a run's logged model, compares versions, moves an alias and shows a version's lineage", async () => {
    const nb = await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "Churn training" });
    const first = await runWithLoggedModel(0.91, nb.body.id);
    const second = await runWithLoggedModel(0.94, nb.body.id);
    const context = await signedInContext(browser, server.url, owner.cookie);
    const page = await context.newPage();

    await page.goto(`/projects/${projectId}`);
    await page.getByRole("link", { name: "Models" }).click();
    await page.getByText("No models yet.").waitFor();
    // An experiment with no runs says so (not "No runs match" with no filter set).
    const empty = await owner.client.post(`${M}/experiments/create`, {
      name: "empty",
      tags: [{ key: "tandem.projectId", value: projectId }],
    });
    await page.goto(`/experiments/${empty.body.experiment_id}`);
    await page.getByRole("status").filter({ hasText: "No runs yet." }).waitFor();
    await page.getByLabel("Filter").fill("params.lr = '1'");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("status").filter({ hasText: "No runs match this filter." }).waitFor();

    // "Register model" from each run page: the first makes the model, the second adds version 2.
    for (const runId of [first, second]) {
      await page.goto(`/experiment-runs/${runId}`);
      const logged = page.getByRole("list", { name: "Logged models" });
      await logged.getByText("ready").waitFor();
      await logged.getByRole("button", { name: "Register model" }).click();
      await logged.getByLabel("Registered model name").fill("churn");
      await logged.getByRole("button", { name: "Register", exact: true }).click();
      await logged.getByRole("link", { name: runId === first ? "churn v1" : "churn v2" }).waitFor();
    }

    await page.goto(`/projects/${projectId}/models`);
    const list = page.getByRole("table", { name: "Models" });
    await list.getByRole("link", { name: "Version 2" }).waitFor();
    await list.getByRole("link", { name: "churn" }).click();
    await page.getByRole("heading", { name: "churn" }).waitFor();

    // Versions with their runs' metrics side by side.
    const versions = page.getByRole("table", { name: "Versions" });
    await expect
      .poll(() => versions.locator("thead th").allInnerTexts())
      .toEqual(["Version", "Aliases", "Run", "accuracy", "Registered"]);
    const rows = () =>
      versions
        .locator("tbody tr")
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 4).map((td) => td.innerText)));
    await expect.poll(rows).toEqual([
      ["Version 2", "", second.slice(0, 8), "0.94"],
      ["Version 1", "", first.slice(0, 8), "0.91"],
    ]);

    // Move production: v1, then v2; both moves are in the history, newest first.
    await page.getByLabel("Alias").fill("production");
    await page.getByLabel("Version", { exact: true }).selectOption("1");
    await page.getByRole("button", { name: "Set alias" }).click();
    await expect.poll(rows).toEqual([
      ["Version 2", "", second.slice(0, 8), "0.94"],
      ["Version 1", "@production", first.slice(0, 8), "0.91"],
    ]);
    await page.getByLabel("Version", { exact: true }).selectOption("2");
    await page.getByRole("button", { name: "Set alias" }).click();
    await page.getByText("@production → v2").waitFor();
    const history = page.getByRole("table", { name: "Alias history" });
    await expect
      .poll(() =>
        history
          .locator("tbody tr")
          .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].slice(1).map((td) => td.innerText))),
      )
      .toEqual([
        ["@production", "v1", "v2", owner.email],
        ["@production", "—", "v1", owner.email],
      ]);

    // The version page: lineage chain with links, signature, input example, files.
    await versions.getByRole("link", { name: "Version 2" }).click();
    await page.getByRole("heading", { name: "churn · Version 2" }).waitFor();
    const lineage = page.getByRole("list", { name: "Lineage" });
    await expect
      .poll(() => lineage.locator(".lineage-label").allInnerTexts())
      .toEqual(["Notebook", "Environment", "Data", "Run", "Logged model", "Version"]);
    await expect(lineage.getByRole("link", { name: "Churn training" }).getAttribute("href")).resolves.toBe(
      `/notebooks/${nb.body.id}`,
    );
    await expect(lineage.getByRole("link", { name: "train-0.94" }).getAttribute("href")).resolves.toBe(
      `/experiment-runs/${second}`,
    );
    await lineage.getByText("lock sha256-0f3a9c2e7d").waitFor();
    await lineage.getByText("churn.csv").waitFor();
    await expect(page.getByRole("table", { name: "Signature" }).innerText()).resolves.toBe(
      "Inputs\ttenure: double\nOutputs\t(unnamed): long",
    );
    await page.getByText('{"columns": ["tenure"], "data": [[12.0]]}').waitFor();
    const files = page.getByRole("list", { name: "Model artifacts" });
    await expect(files.locator(".mono").allInnerTexts()).resolves.toEqual(["MLmodel", "input_example.json"]);
    const download = files.getByRole("link", { name: "Download" }).last();
    const res = await context.request.get(`${server.url}${await download.getAttribute("href")}`);
    expect(await res.text()).toBe('{"columns": ["tenure"], "data": [[12.0]]}');
    await context.close();
  });
});
