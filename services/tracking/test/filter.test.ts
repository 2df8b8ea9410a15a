import { describe, expect, it } from "vitest";
import { parseFilter, parseOrderBy, TrackingError } from "../src/index.ts";

describe("MLflow search grammar", () => {
  it("parses clauses joined by AND, with prefixes, backticks, lists and LIKE", () => {
    expect(
      parseFilter(
        "metrics.acc >= 0.9 and params.`learning rate` = '0.1' AND tags.team != \"ml\" and attributes.status IN ('FINISHED', 'FAILED') and run_name LIKE 'a%'",
      ),
    ).toEqual([
      { type: "metric", key: "acc", op: ">=", value: 0.9 },
      { type: "param", key: "learning rate", op: "=", value: "0.1" },
      { type: "tag", key: "team", op: "!=", value: "ml" },
      { type: "attribute", key: "status", op: "IN", value: ["FINISHED", "FAILED"] },
      { type: "attribute", key: "run_name", op: "LIKE", value: "a%" },
    ]);
    expect(parseFilter("  ")).toEqual([]);
    expect(parseFilter("attribute.start_time > 1700000000000")).toEqual([
      { type: "attribute", key: "start_time", op: ">", value: 1700000000000 },
    ]);
  });

  it("refuses what MLflow refuses, as INVALID_PARAMETER_VALUE", () => {
    for (const bad of [
      "metrics.acc > 'high'",
      "params.lr = 0.1",
      "bogus.x = 'y'",
      "metrics.acc > 1 or metrics.acc < 0",
      "metrics.acc LIKE 1",
      "params.lr =",
    ]) {
      let err: unknown;
      try {
        parseFilter(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(TrackingError);
      expect((err as TrackingError).code, bad).toBe("INVALID_PARAMETER_VALUE");
    }
  });

  it("parses order-by clauses", () => {
    expect(parseOrderBy(["metrics.loss DESC", "params.`lr`", "start_time asc"])).toEqual([
      { type: "metric", key: "loss", ascending: false },
      { type: "param", key: "lr", ascending: true },
      { type: "attribute", key: "start_time", ascending: true },
    ]);
  });
});
