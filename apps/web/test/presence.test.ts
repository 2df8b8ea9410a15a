import { describe, expect, it } from "vitest";
import { colorFor, initials, lightColor, peersFrom, USER_COLORS } from "../src/lib/presence.ts";

describe("presence", () => {
  it("gives a person the same colour everywhere", () => {
    expect(colorFor("user-1")).toBe(colorFor("user-1"));
    expect(USER_COLORS).toContain(colorFor("anyone"));
    expect(lightColor("#112233", 0.25)).toBe("#11223340");
  });
  it("makes initials", () => {
    expect(initials("Ada Lovelace")).toBe("AL");
    expect(initials("bob")).toBe("BO");
    expect(initials("  ")).toBe("?");
  });
  it("lists peers once per person, without me", () => {
    const states = new Map<number, any>([
      [1, { user: { name: "Me", id: "me", color: "#000" } }],
      [2, { user: { name: "Zoe", id: "z", color: "#111" }, cell: "c1" }],
      [3, { user: { name: "Zoe", id: "z", color: "#111" }, cell: "c2" }],
      [4, { user: { name: "Al", id: "a", color: "#222" } }],
      [5, {}],
    ]);
    const peers = peersFrom(states, 1, "me");
    expect(peers.map((p) => [p.user.name, p.cellId])).toEqual([
      ["Al", null],
      ["Zoe", "c1"],
    ]);
  });
});
