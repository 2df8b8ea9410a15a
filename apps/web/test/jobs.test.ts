import { describe, expect, it } from "vitest";
import {
  describeCron,
  elapsed,
  formatDuration,
  formatInZone,
  formatParameterValue,
  isExperimentRunId,
  isUuid,
  parameterRows,
  parametersInline,
  parseParameters,
} from "../src/lib/jobs.ts";

describe("describeCron", () => {
  it.each([
    ["* * * * *", "Every minute"],
    ["*/15 * * * *", "Every 15 minutes"],
    ["0 * * * *", "Every hour"],
    ["5 * * * *", "Every hour at minute 5"],
    ["0 */6 * * *", "Every 6 hours"],
    ["0 2 * * *", "Every day at 02:00"],
    ["30 9,17 * * *", "Every day at 09:30 and 17:30"],
    ["0 9 * * 1-5", "Every weekday at 09:00"],
    ["0 9 * * 1", "Every Monday at 09:00"],
    ["0 9 * * 1,3", "Every Monday and Wednesday at 09:00"],
    ["0 10 * * 0,6", "Every Saturday and Sunday at 10:00"],
    ["0 2 1 * *", "Monthly on the 1st at 02:00"],
    ["0 2 22 * *", "Monthly on the 22nd at 02:00"],
    ["0 2 13 * *", "Monthly on the 13th at 02:00"],
    ["0 0 25 12 *", "Every year on December 25 at 00:00"],
    ["@daily", "Every day at 00:00"],
    ["@hourly", "Every hour"],
    ["@weekly", "Every Sunday at 00:00"],
    ["  0   2 * * *  ", "Every day at 02:00"],
  ])("%s -> %s", (cron, words) => {
    expect(describeCron(cron)).toBe(words);
  });

  it("gives up (null) on shapes it cannot say simply, rather than saying something wrong", () => {
    for (const cron of ["0 2 * * * *", "0-10 2 * * *", "0 2 1 * 1", "0 2 1-7 * *", "nonsense", "61 2 * * *", ""]) {
      expect(describeCron(cron)).toBeNull();
    }
  });
});

describe("parameters as rows", () => {
  it("parses JSON values, and plain words as text", () => {
    const parsed = parseParameters([
      { key: "lr", value: "0.1" },
      { key: "epochs", value: " 3 " },
      { key: "optimizer", value: "adam" },
      { key: "quoted", value: '"1"' },
      { key: "layers", value: "[64, 32]" },
      { key: "opts", value: '{"a": null}' },
      { key: "flag", value: "false" },
      { key: "", value: "" },
    ]);
    expect(parsed).toEqual({
      ok: true,
      value: { lr: 0.1, epochs: 3, optimizer: "adam", quoted: "1", layers: [64, 32], opts: { a: null }, flag: false },
    });
  });

  it("says what is wrong with a row", () => {
    const error = (key: string, value: string) => {
      const r = parseParameters([{ key, value }]);
      return r.ok ? null : r.error;
    };
    expect(error("2lr", "1")).toMatch(/not a valid parameter name/);
    expect(error("my-param", "1")).toMatch(/not a valid parameter name/);
    expect(error("", "1")).toMatch(/has no name/);
    expect(error("lr", "")).toMatch(/has no value/);
    expect(error("layers", "[1, 2")).toMatch(/not valid JSON/);
    expect(error("s", '"open')).toMatch(/not valid JSON/);
    const twice = parseParameters([
      { key: "a", value: "1" },
      { key: "a", value: "2" },
    ]);
    expect(twice.ok ? null : twice.error).toMatch(/given twice/);
  });

  it("writes values so that they read back the same", () => {
    const params = {
      lr: 0.1,
      name: "adam",
      digits: "42",
      word: "true",
      spaced: " x ",
      empty: "",
      list: [1, "a"],
      obj: { k: [true] },
      none: null,
      bracket: "[not json",
    };
    const rows = parameterRows(params);
    expect(rows.find((r) => r.key === "name")!.value).toBe("adam");
    expect(rows.find((r) => r.key === "digits")!.value).toBe('"42"');
    expect(parseParameters(rows)).toEqual({ ok: true, value: params });
    expect(formatParameterValue("a b")).toBe("a b");
  });

  it("sums parameters up on one line, cut to a length", () => {
    expect(parametersInline({ lr: 0.1, opt: "adam" })).toBe("lr=0.1, opt=adam");
    expect(parametersInline({ text: "x".repeat(100) }, 20)).toHaveLength(20);
    expect(parametersInline({})).toBe("");
  });
});

describe("durations and ids", () => {
  it("formats durations at a useful precision", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(1234)).toBe("1.2 s");
    expect(formatDuration(42_000)).toBe("42 s");
    expect(formatDuration(245_000)).toBe("4 min 05 s");
    expect(formatDuration(2 * 3600_000 + 3 * 60_000)).toBe("2 h 03 min");
    expect(formatDuration(26 * 3600_000)).toBe("1 d 2 h");
    expect(formatDuration(null)).toBe("");
  });

  it("measures a running run up to now, a finished one from its record", () => {
    const start = "2026-01-01T00:00:00.000Z";
    const now = Date.parse(start) + 5000;
    expect(elapsed({ startedAt: start, finishedAt: null, durationMs: null }, now)).toBe(5000);
    expect(elapsed({ startedAt: start, finishedAt: null, durationMs: 1200 }, now)).toBe(1200);
    expect(elapsed({ startedAt: null, finishedAt: null, durationMs: null }, now)).toBeNull();
  });

  it("tells notebook runs (UUIDs) from experiment runs (32 hex digits)", () => {
    expect(isExperimentRunId("0123456789abcdef0123456789abcdef")).toBe(true);
    expect(isExperimentRunId("6f1c1e9c-8d0b-4a7e-9d55-3b0c8a1f2e4d")).toBe(false);
    expect(isUuid("6f1c1e9c-8d0b-4a7e-9d55-3b0c8a1f2e4d")).toBe(true);
    expect(isUuid("0123456789abcdef0123456789abcdef")).toBe(false);
  });
});

describe("fire times in the job's time zone", () => {
  it("shows the wall-clock time of the zone, named", () => {
    const t = "2030-01-15T01:00:00.000Z";
    expect(formatInZone(t, "Europe/Paris", "en-GB")).toMatch(/02:00/);
    expect(formatInZone(t, "UTC", "en-GB")).toMatch(/01:00 UTC/);
    expect(formatInZone(t, "America/New_York", "en-GB")).toMatch(/20:00/);
    expect(formatInZone(t, "UTC", "en-GB")).toMatch(/2030/);
  });
  it("falls back to local time for an unknown zone rather than failing", () => {
    expect(formatInZone("2030-01-15T01:00:00.000Z", "Not/AZone", "en-GB")).toMatch(/2030/);
  });
});
