import { type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { describe, expect, it } from "vitest";
import type * as Y from "yjs";
import { addCodeCell, connect, until } from "./collab-clients.ts";

let server: TestServer;
let owner: TestUser;
let projectId: string;

usePreamble({ kernels: true, users: ["scientist"], project: {} }, (p) => {
  ({
    server,
    projectId,
    users: { scientist: owner },
  } = p);
});

const cell = (doc: Y.Doc, id: string) =>
  doc
    .getArray<Y.Map<unknown>>("cells")
    .toArray()
    .find((c) => c.get("id") === id)!;

describe("automatic tracking", () => {
  it("records `mlflow.log_*` in a notebook into that notebook's experiment, with no set-up", async () => {
    const nb = (await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "Training" })).body.id;
    const writer = connect(server.url, nb, { token: owner.token });
    await writer.synced();
    addCodeCell(
      writer.doc,
      "train",
      [
        "import os, mlflow",
        "with mlflow.start_run() as run:",
        "    mlflow.log_param('alpha', 0.5)",
        "    for step in range(3):",
        "        mlflow.log_metric('loss', 1.0 / (step + 1), step=step)",
        "print('RUN', run.info.run_id, os.environ['MLFLOW_EXPERIMENT_NAME'])",
        "assert 'TANDEM_TOKEN' not in os.environ and 'DATABASE_URL' not in os.environ",
      ].join("\n"),
    );
    expect((await owner.client.post(`/api/notebooks/${nb}/execute`, { cells: ["train"] })).status).toBe(202);
    await until(
      () =>
        cell(writer.doc, "train").get("execution_state") === "idle" &&
        cell(writer.doc, "train").get("execution_count") != null,
      "the cell to finish",
      60_000,
    );
    const outputs = (cell(writer.doc, "train").get("outputs") as Y.Array<any>).toJSON();
    const error = outputs.find((o: any) => o.output_type === "error");
    expect(error, error && `${error.ename}: ${error.evalue}`).toBeUndefined();
    const text = outputs
      .filter((o: any) => o.output_type === "stream")
      .map((o: any) => o.text)
      .join("");
    const runId = /RUN (\w+)/.exec(text)?.[1];
    expect(runId, text).toBeDefined();

    // Read back through Tandem's own API: the run is in the notebook's experiment, linked to it.
    const experiments = await owner.client.get(`/api/projects/${projectId}/experiments`);
    expect(experiments.status, JSON.stringify(experiments.body)).toBe(200);
    const experiment = experiments.body.find((e: any) => e.notebookId === nb);
    expect(experiment).toBeDefined();
    const run = await owner.client.get(`/api/experiment-runs/${runId}`);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body).toMatchObject({ notebookId: nb, params: { alpha: "0.5" } });
    const history = await owner.client.get(`/api/experiment-runs/${runId}/metric-history?key=loss`);
    expect(history.body.points.map((p: any) => p.step)).toEqual([0, 1, 2]);
    writer.destroy();
    await owner.client.delete(`/api/notebooks/${nb}/kernel`);
  });
});
