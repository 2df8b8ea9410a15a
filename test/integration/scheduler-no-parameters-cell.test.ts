import { type TestUser, usePreamble } from "@tandem/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { code, importNotebook } from "./scheduler-fixture.ts";

// Parameters for a notebook with no cell tagged `parameters` would be injected where nothing reads
// them (the run "succeeds" with the notebook's own values): they are refused before anything is queued.
let owner: TestUser;
let projectId: string;
let untagged: string;

usePreamble(
  { users: ["scientist"], project: {} },
  (p) => {
    ({
      projectId,
      users: { scientist: owner },
    } = p);
  },
  60_000,
);
beforeAll(async () => {
  untagged = await importNotebook(owner.client, projectId, "untagged", [
    code("params", "alpha = 0.1"),
    code("train", "print('alpha is', alpha)"),
  ]);
}, 60_000);

function expectNoParametersCell(res: { status: number; body: any }) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.code).toBe("no_parameters_cell");
  expect(res.body.error.message).toContain("tag a cell `parameters`");
  expect(res.body.error.message).toContain("cell toolbar or metadata.tags");
}

describe("parameters for a notebook without a parameters cell", { timeout: 60_000 }, () => {
  it("refuses a run, a job and a job update with parameters, and queues nothing", async () => {
    expectNoParametersCell(await owner.client.post(`/api/notebooks/${untagged}/runs`, { parameters: { alpha: 0.5 } }));
    expectNoParametersCell(
      await owner.client.post(`/api/projects/${projectId}/jobs`, {
        notebookId: untagged,
        name: "Nightly",
        enabled: false,
        cron: "0 2 * * *",
        parameters: { alpha: 0.5 },
      }),
    );

    // A job without parameters is fine; giving it some later, or running it now with some, is not.
    const job = await owner.client.post(`/api/projects/${projectId}/jobs`, {
      notebookId: untagged,
      name: "Plain",
      enabled: false,
      cron: "0 2 * * *",
    });
    expect(job.status, JSON.stringify(job.body)).toBe(201);
    expectNoParametersCell(await owner.client.patch(`/api/jobs/${job.body.id}`, { parameters: { alpha: 0.5 } }));
    expectNoParametersCell(await owner.client.post(`/api/jobs/${job.body.id}/run`, { parameters: { alpha: 0.5 } }));

    const listed = await owner.client.get(`/api/notebooks/${untagged}/runs`);
    expect(listed.status).toBe(200);
    expect(listed.body.runs).toEqual([]);
  });
});
