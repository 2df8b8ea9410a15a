import { describe, expect, it } from "vitest";
import { envSummary, lockDiff, requirementsFrom } from "../src/lib/environments.ts";

const p = (name: string, version: string) => ({ name, version, hashes: [], index: null });

describe("environments page logic", () => {
  it("diffs two locks by package, comparing versions as numbers", () => {
    expect(
      lockDiff(
        [p("numpy", "1.9.0"), p("six", "1.16"), p("old", "1")],
        [p("numpy", "1.10.0"), p("six", "1.16"), p("new", "2")],
      ),
    ).toEqual([
      { name: "new", before: null, after: "2", change: "added" },
      { name: "numpy", before: "1.9.0", after: "1.10.0", change: "upgraded" },
      { name: "old", before: "1", after: null, change: "removed" },
    ]);
    expect(lockDiff([p("a", "2.0")], [p("a", "1.5")])[0]!.change).toBe("downgraded");
  });

  it("reads requirement lines and summarises an environment for the picker", () => {
    expect(requirementsFrom("numpy\n\n# comment\npandas>=2  # why\n")).toEqual(["numpy", "pandas>=2"]);
    const env = { name: "DS", version: 3, python: "3.11.7", packages: [p("a", "1"), p("b", "2")] } as any;
    expect(envSummary(env)).toBe("DS v3 · Python 3.11.7 · 2 packages");
  });
});
