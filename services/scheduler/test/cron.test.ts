import { describe, expect, it } from "vitest";
import { firesBetween, nextFire, parseSchedule, upcoming } from "../src/index.ts";

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

describe("cron schedules in a time zone", () => {
  it("fires a nonexistent DST-morning time once, at the next valid time", () => {
    expect(iso(upcoming("0 2 * * *", "Europe/Paris", new Date("2026-03-27T12:00:00Z"), 3))).toEqual([
      "2026-03-28T01:00:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:00:00.000Z",
    ]);
  });

  it("fires a repeated autumn time once", () => {
    expect(iso(upcoming("30 2 * * *", "Europe/Paris", new Date("2026-10-24T12:00:00Z"), 2))).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
  });

  it("lists missed fire times, capped", () => {
    const from = new Date("2026-04-01T10:00:00Z");
    expect(iso(firesBetween("0 * * * *", "UTC", from, new Date("2026-04-01T13:30:00Z")))).toEqual([
      "2026-04-01T11:00:00.000Z",
      "2026-04-01T12:00:00.000Z",
      "2026-04-01T13:00:00.000Z",
    ]);
    expect(firesBetween("* * * * *", "UTC", from, new Date("2026-04-02T10:00:00Z"))).toHaveLength(100);
  });

  it("takes nicknames and seconds, refuses nonsense with the reason", () => {
    expect(nextFire("@daily", "UTC", new Date("2026-01-01T05:00:00Z"))?.toISOString()).toBe("2026-01-02T00:00:00.000Z");
    expect(nextFire("*/10 * * * * *", "UTC", new Date("2026-01-01T00:00:01Z"))?.toISOString()).toBe(
      "2026-01-01T00:00:10.000Z",
    );
    expect(() => parseSchedule("61 * * * *", "UTC")).toThrow(/Invalid cron expression "61 \* \* \* \*".*minute/);
    expect(() => parseSchedule("0 2 * * *", "Mars/Olympus")).toThrow(/Unknown time zone "Mars\/Olympus"/);
  });
});
