import type { RunSummary } from "@tandem/protocol";
import { describe, expect, it } from "vitest";
import {
  buildSeries,
  compareParams,
  deriveColumns,
  formatMetric,
  nextSort,
  orderByClause,
} from "../src/lib/tracking.ts";

const run = (id: string, params: Record<string, string>, metrics: Record<string, number>): RunSummary =>
  ({
    id,
    name: id,
    params,
    metrics: Object.fromEntries(Object.entries(metrics).map(([k, value]) => [k, { value, step: 0, timestamp: 0 }])),
  }) as unknown as RunSummary;

describe("run table logic", () => {
  it("derives sorted param and metric columns from the union of runs", () => {
    const cols = deriveColumns([run("a", { lr: "0.1" }, { loss: 1 }), run("b", { bs: "8" }, { acc: 0.5, loss: 2 })]);
    expect(cols).toEqual({ params: ["bs", "lr"], metrics: ["acc", "loss"] });
  });

  it("sorts a new column descending and flips the same column", () => {
    const s1 = nextSort(null, "metrics.loss");
    expect(s1).toEqual({ key: "metrics.loss", dir: "DESC" });
    expect(nextSort(s1, "metrics.loss").dir).toBe("ASC");
    expect(nextSort(s1, "params.lr")).toEqual({ key: "params.lr", dir: "DESC" });
  });

  it("builds MLflow order-by clauses, backticking odd keys", () => {
    expect(orderByClause(null)).toBeUndefined();
    expect(orderByClause({ key: "metrics.loss", dir: "ASC" })).toBe("metrics.loss ASC");
    expect(orderByClause({ key: "metrics.val loss", dir: "DESC" })).toBe("metrics.`val loss` DESC");
  });

  it("formats metrics", () => {
    expect(formatMetric(3)).toBe("3");
    expect(formatMetric(0.123456)).toBe("0.1235");
    expect(formatMetric("NaN")).toBe("NaN");
    expect(formatMetric(undefined)).toBe("");
  });
});

describe("chart series", () => {
  it("aligns several series on the union of steps, with gaps and non-finite values as null", () => {
    const data = buildSeries(
      [
        [
          { step: 0, value: 1, timestamp: 1000 },
          { step: 2, value: "NaN", timestamp: 3000 },
        ],
        [{ step: 1, value: 5, timestamp: 2000 }],
      ],
      "step",
    );
    expect(data).toEqual([
      [0, 1, 2],
      [1, null, null],
      [null, 5, null],
    ]);
  });

  it("uses seconds on a time axis", () => {
    expect(buildSeries([[{ step: 0, value: 1, timestamp: 1500 }]], "time")[0]).toEqual([1.5]);
  });
});

describe("compare", () => {
  it("marks params whose values differ between runs", () => {
    const rows = compareParams([run("a", { lr: "0.1", bs: "8" }, {}), run("b", { lr: "0.2", bs: "8" }, {})]);
    expect(rows).toEqual([
      { key: "bs", values: ["8", "8"], differs: false },
      { key: "lr", values: ["0.1", "0.2"], differs: true },
    ]);
  });
});

describe("executed notebook", () => {
  it("reads cells, stream, error, text and image outputs", async () => {
    const { parseNotebook } = await import("../src/lib/tracking.ts");
    const cells = parseNotebook(
      JSON.stringify({
        cells: [
          { cell_type: "markdown", source: ["# T", "itle"] },
          {
            cell_type: "code",
            source: "print(1)",
            outputs: [
              { output_type: "stream", text: ["1\n"] },
              { output_type: "execute_result", data: { "text/plain": "2" } },
              { output_type: "display_data", data: { "image/png": "AAAA\n" } },
              { output_type: "error", ename: "ValueError", evalue: "bad" },
            ],
          },
        ],
      }),
    );
    expect(cells).toEqual([
      { kind: "markdown", source: "# Title", outputs: [] },
      {
        kind: "code",
        source: "print(1)",
        outputs: [{ text: "1\n" }, { text: "2" }, { image: "data:image/png;base64,AAAA" }, { text: "ValueError: bad" }],
      },
    ]);
  });
});
