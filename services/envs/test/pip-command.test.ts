import { describe, expect, it } from "vitest";
import { PipCommandError, parsePipCommand, shellWords, splitPipCell } from "../src/pip-command.ts";
import { lockChanges } from "../src/pip-magic.ts";

describe("pip magics", () => {
  it("finds the leading %pip, !pip and %uv pip lines and leaves the rest of the cell", () => {
    const cell = "# deps\n%pip install -q pandas\n!pip install six\n%uv pip install 'numpy<2'\n\nimport six";
    const split = splitPipCell(cell)!;
    expect(split.commands.map((c) => c.args)).toEqual(["install -q pandas", "install six", "install 'numpy<2'"]);
    expect(split.rest.trim()).toBe("import six");
    expect(splitPipCell("import os\nprint(1)")).toBeNull();
    expect(splitPipCell("if x:\n    %pip install six")).toBeNull();
    expect(() => splitPipCell("import os\n%pip install six")).toThrow(/must come first/);
  });

  it("reads install options and refuses what would leave the lock", () => {
    const c = parsePipCommand(
      'install -U "scikit-learn>=1.4" --extra-index-url=https://x.org/simple -f https://w/ six',
      "l",
    );
    expect(c).toMatchObject({
      action: "install",
      upgrade: true,
      requirements: ["scikit-learn>=1.4", "six"],
      extraIndexUrls: ["https://x.org/simple"],
      findLinks: ["https://w/"],
    });
    expect(() => parsePipCommand("install -r requirements.txt", "l")).toThrow(PipCommandError);
    expect(() => parsePipCommand("install -e .", "l")).toThrow(/editable/);
    expect(() => parsePipCommand("install ./pkg", "l")).toThrow(/local path/);
    expect(() => parsePipCommand("install -f /srv/wheels six", "l")).toThrow(/http/);
    expect(() => parsePipCommand("download six", "l")).toThrow(/not available/);
    expect(parsePipCommand("uninstall -y six", "l")).toEqual({ action: "uninstall", names: ["six"], line: "l" });
    expect(shellWords(`a "b c" 'd'`)).toEqual(["a", "b c", "d"]);
  });

  it("says what moved between two locks", () => {
    const p = (name: string, version: string) => ({ name, version, hashes: [], index: null });
    expect(lockChanges([p("a", "1"), p("b", "1")], [p("b", "2"), p("c", "1")])).toEqual([
      "changed b 1 -> 2",
      "added c 1",
      "removed a 1",
    ]);
  });
});
