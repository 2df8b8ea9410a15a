import type { NotebookRun } from "@tandem/protocol";
import { describe, expect, it } from "vitest";
import { fireTime } from "../src/commands/jobs.ts";
import { duration } from "../src/output.ts";
import { failureText, progressLine } from "../src/wait.ts";

const cell = (
  index: number,
  status: NotebookRun["cells"][number]["status"],
  startedAt = "2026-01-01T00:00:01.000Z",
) => ({
  cellId: `c${index}`,
  index,
  status,
  startedAt: status === "pending" ? null : startedAt,
  finishedAt: null,
  durationMs: null,
});

function aRun(over: Partial<NotebookRun>): NotebookRun {
  return {
    id: "11111111-1111-4111-8111-111111111111",
    number: 3,
    projectId: "p",
    notebookId: "n",
    notebookName: "Train",
    documentId: null,
    jobId: null,
    jobName: null,
    revision: null,
    environmentId: null,
    kernelspec: null,
    parameters: {},
    status: "queued",
    trigger: "manual",
    attempt: 1,
    maxAttempts: 1,
    timeoutSeconds: null,
    stopOnError: true,
    scheduledFor: "2026-01-01T00:00:00.000Z",
    createdAt: "2026-01-01T00:00:00.000Z",
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    error: null,
    cells: [],
    experimentRunId: null,
    experimentId: null,
    metrics: {},
    rerunOf: null,
    createdBy: null,
    ...over,
  };
}

describe("run progress and failure lines", () => {
  it("names the status, the attempt when retries are allowed, and the cell running of how many", () => {
    expect(progressLine(aRun({}))).toBe("run #3 queued");
    const cells = [cell(0, "ok"), cell(1, "running"), cell(2, "pending")];
    expect(progressLine(aRun({ status: "running", cells }))).toBe("run #3 running, cell 2/3");
    expect(progressLine(aRun({ status: "running", cells, attempt: 2, maxAttempts: 3 }))).toBe(
      "run #3 running, attempt 2/3, cell 2/3",
    );
    expect(progressLine(aRun({ status: "running", cells: [cell(0, "ok"), cell(1, "pending")] }))).toBe(
      "run #3 running, 1/2 cells done",
    );
    expect(progressLine(aRun({ status: "succeeded", cells: [cell(0, "ok")] }))).toBe("run #3 succeeded");
    const retried = [cell(0, "ok", "2026-01-01T00:00:05.000Z"), cell(1, "error"), cell(2, "ok")];
    expect(
      progressLine(aRun({ status: "running", cells: retried, attempt: 2, startedAt: "2026-01-01T00:00:04.000Z" })),
    ).toBe("run #3 running, 1/3 cells done");
    const error = { code: "cell_error" as const, message: "ValueError: nope\nTraceback…", cellId: "c0" };
    expect(progressLine(aRun({ status: "queued", attempt: 2, maxAttempts: 3, error }))).toBe(
      "run #3 queued, attempt 2/3, retrying after cell_error: ValueError: nope",
    );
  });

  it("shows the error's code, message and failing cell", () => {
    const failed = aRun({
      status: "failed",
      cells: [cell(0, "ok"), cell(1, "error")],
      error: { code: "cell_error", message: "ZeroDivisionError: division by zero", cellId: "c1" },
    });
    expect(failureText(failed)).toBe(
      "run #3 (11111111-1111-4111-8111-111111111111) failed: cell_error in cell c1 (2/2)\nZeroDivisionError: division by zero",
    );
    const timedOut = aRun({ status: "failed", error: { code: "timeout", message: "ran past 5s", cellId: null } });
    expect(failureText(timedOut)).toMatch(/failed: timeout\nran past 5s$/);
    expect(failureText(aRun({ status: "cancelled" }))).toMatch(/cancelled$/);
  });
});

describe("formats", () => {
  it("writes durations for people", () => {
    expect(duration(null)).toBe("");
    expect(duration(850)).toBe("850ms");
    expect(duration(12_340)).toBe("12.3s");
    expect(duration(245_000)).toBe("4m05s");
    expect(duration(7_380_000)).toBe("2h03m");
  });

  it("shows a fire time on the schedule's own clock beside the UTC instant", () => {
    expect(fireTime("2026-07-01T00:00:00.000Z", "Europe/Paris")).toBe(
      "2026-07-01T00:00:00.000Z  (Wed 2026-07-01 02:00 Europe/Paris)",
    );
    expect(fireTime("2026-07-01T00:00:00.000Z", "Not/AZone")).toBe("2026-07-01T00:00:00.000Z");
  });
});
