import type { NbCell, Nbformat } from "@tandem/notebook";
import { describe, expect, it } from "vitest";
import { declaredParameters, injectParameters, parameterProblems, pythonLiteral } from "../src/index.ts";

const nb = (cells: { id: string; source: string; tags?: string[]; type?: NbCell["cell_type"] }[]): Nbformat => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: cells.map((c) => ({
    id: c.id,
    cell_type: c.type ?? "code",
    source: c.source,
    metadata: (c.tags ? { tags: c.tags } : {}) as Record<string, string[]>,
    outputs: [],
    execution_count: null,
  })),
});

describe("papermill-style parameters", () => {
  it("renders JSON values as Python literals", () => {
    expect(pythonLiteral(null)).toBe("None");
    expect(pythonLiteral(true)).toBe("True");
    expect(pythonLiteral(false)).toBe("False");
    expect(pythonLiteral(3)).toBe("3");
    expect(pythonLiteral(0.1)).toBe("0.1");
    expect(pythonLiteral(1e21)).toBe("1e+21");
    expect(pythonLiteral(`it's "x"\n\\ é`)).toBe(String.raw`"it's \"x\"\n\\ é"`);
    expect(pythonLiteral([1, "a", null])).toBe('[1, "a", None]');
    expect(pythonLiteral({ lr: 0.01, layers: [64, 32], opt: { name: "adam" } })).toBe(
      '{"lr": 0.01, "layers": [64, 32], "opt": {"name": "adam"}}',
    );
  });

  it("reads what a parameters cell declares, with the kind of each default", () => {
    const declared = declaredParameters(
      "# defaults\nalpha = 0.1\nepochs = 10  # passes\nname: str = 'x'\nflag = True\nrows = None\nif x == 1:\n    y = 2\nz == 3",
    );
    expect(Object.fromEntries(declared)).toEqual({
      alpha: "float",
      epochs: "int",
      name: "str",
      flag: "bool",
      rows: "any",
    });
  });

  it("finds names the notebook does not declare and values of the wrong kind", () => {
    const notebook = nb([{ id: "p", source: "alpha = 0.1\nepochs = 10\nname = 'a'", tags: ["parameters"] }]);
    expect(parameterProblems(notebook, { alpha: 1, epochs: 3, name: "b" })).toEqual([]);
    expect(parameterProblems(notebook, { epochs: 2.5, name: 3, beta: 1, class: 1 })).toEqual([
      '"class" is not a valid Python variable name',
      '"epochs" must be an int, got 2.5',
      '"name" must be a str, got 3',
      '"beta" is not a parameter of this notebook (its parameters cell declares: alpha, epochs, name)',
      '"class" is not a parameter of this notebook (its parameters cell declares: alpha, epochs, name)',
    ]);
    // Without a parameters cell, parameters would land where nothing reads them: refused, saying how to tag one.
    const [problem, ...rest] = parameterProblems(nb([{ id: "a", source: "print(1)" }]), { anything: 1 });
    expect(rest).toEqual([]);
    expect(problem).toContain("tag a cell `parameters`");
    expect(parameterProblems(nb([{ id: "a", source: "print(1)" }]), {})).toEqual([]);
  });

  it("injects after the parameters cell, replacing an earlier injection", () => {
    const notebook = nb([
      { id: "md", source: "# Title", type: "markdown" },
      { id: "p", source: "alpha = 0.1", tags: ["parameters"] },
      { id: "old", source: "alpha = 9", tags: ["injected-parameters"] },
      { id: "work", source: "print(alpha)" },
    ]);
    const out = injectParameters(notebook, { alpha: 0.5 });
    expect(out.cells.map((c) => c.id.replace(/-[0-9a-f]{8}$/, ""))).toEqual(["md", "p", "injected", "work"]);
    expect(out.cells[2]).toMatchObject({
      cell_type: "code",
      source: "# Parameters\nalpha = 0.5\n",
      metadata: { tags: ["injected-parameters"] },
    });
    const first = injectParameters(nb([{ id: "a", source: "print(x)" }]), { x: 1 });
    expect(first.cells[0]!.source).toBe("# Parameters\nx = 1\n");
    expect(notebook.cells).toHaveLength(4);
  });
});
