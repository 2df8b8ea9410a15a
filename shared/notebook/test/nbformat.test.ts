import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { YNotebook } from "@jupyter/ydoc";
import { repoRoot } from "@tandem/testkit";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  createNotebookDoc,
  exportNbformat,
  fromNbformat,
  InvalidNotebookError,
  normalizeNbformat,
  toNbformat,
  validateNbformat,
} from "../src/index.ts";

// CI keeps the corpus beside the clone; NBFORMAT_CORPUS points elsewhere (e.g. from a git worktree).
const corpus = process.env.NBFORMAT_CORPUS ?? join(repoRoot, "../shared/corpus/nbformat");
const files = (() => {
  try {
    return readdirSync(corpus).filter((f) => f.endsWith(".ipynb"));
  } catch {
    throw new Error(
      `The nbformat corpus is missing: expected it at ${corpus} (beside the clone, ../shared/corpus/nbformat), or set NBFORMAT_CORPUS`,
    );
  }
})();
const read = (f: string) => JSON.parse(readFileSync(join(corpus, f), "utf8"));

/** Invalid notebooks in the corpus, and the field each error must name. */
const INVALID: Record<string, RegExp> = {
  "invalid.ipynb": /cells\[0\].*source/,
  "invalid_cell_id.ipynb": /cells\[0\]\.id/,
  "invalid_unique_cell_id.ipynb": /cells\[1\]\.id: 'dup'.*unique/,
  "v4_5_invalid_metadata.ipynb": /cells\[0\]\.metadata\.collapsed: must be boolean/,
};

describe("nbformat corpus", () => {
  it("has every notebook the tests expect", () => {
    expect(files.length).toBeGreaterThanOrEqual(14);
    for (const f of Object.keys(INVALID)) expect(files).toContain(f);
  });

  for (const file of files.filter((f) => !(f in INVALID))) {
    it(`round-trips ${file}`, () => {
      const original = read(file);
      const doc = fromNbformat(original);
      // Through a real update, as a client would receive it.
      const copy = new Y.Doc();
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
      const exported = exportNbformat(copy);
      // Equal up to nbformat's normalisation: lines joined, 4.5 with ids (generated where absent).
      const expected = normalizeNbformat(original) as { cells: { id: string }[] };
      expected.cells.forEach((c, i) => {
        if (!original.cells?.[i]?.id && original.nbformat === 4) c.id = exported.cells[i]!.id;
        if (original.nbformat === 3) c.id = exported.cells[i]!.id;
      });
      expect(exported).toEqual(expected);
      expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);
      // Every source, output and attachment survives.
      const cellCount =
        original.nbformat === 3
          ? original.worksheets.flatMap((w: { cells: unknown[] }) => w.cells).length
          : original.cells.length;
      expect(exported.cells).toHaveLength(cellCount);
    });
  }

  for (const [file, field] of Object.entries(INVALID)) {
    it(`refuses ${file}, naming the wrong field`, () => {
      let error: unknown;
      try {
        fromNbformat(read(file));
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(InvalidNotebookError);
      expect((error as Error).message).toMatch(field);
    });
  }

  it("upgrades nbformat 3 (worksheets, headings, pyout) to 4.5", () => {
    const nb = validateNbformat(read("test3.ipynb"));
    expect(nb.nbformat).toBe(4);
    expect(nb.nbformat_minor).toBe(5);
    expect(nb.metadata.orig_nbformat).toBe(3);
    expect(nb.cells.some((c) => c.cell_type === "markdown" && c.source.startsWith("# "))).toBe(true);
    const outputs = nb.cells.flatMap((c) => (c.outputs as { output_type: string }[] | undefined) ?? []);
    expect(outputs.some((o) => o.output_type === "execute_result")).toBe(true);
    expect(outputs.every((o) => !["pyout", "pyerr"].includes(o.output_type))).toBe(true);
  });

  it("keeps list-of-lines sources as the same text", () => {
    const nb = read("test4.5.ipynb");
    const doc = fromNbformat(nb);
    const first = nb.cells[0];
    const joined = Array.isArray(first.source) ? first.source.join("") : first.source;
    expect(toNbformat(doc).cells[0]!.source).toBe(joined);
  });
});

describe("document schema", () => {
  it("is readable by @jupyter/ydoc's YNotebook", () => {
    const doc = fromNbformat(read("test4.5.ipynb"));
    const ynb = new YNotebook();
    Y.applyUpdate(ynb.ydoc, Y.encodeStateAsUpdate(doc));
    const theirs = ynb.toJSON();
    const ours = toNbformat(doc);
    expect(theirs.cells.map((c) => c.id)).toEqual(ours.cells.map((c) => c.id));
    expect(theirs.cells.map((c) => c.source)).toEqual(ours.cells.map((c) => c.source));
    expect(theirs.metadata).toEqual(ours.metadata);
    ynb.dispose();
  });

  it("an empty notebook is valid", () => {
    const nb = exportNbformat(createNotebookDoc());
    expect(nb).toEqual({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] });
  });

  it("refuses what is not a notebook", () => {
    expect(() => validateNbformat([])).toThrow(/JSON object/);
    expect(() => validateNbformat({ nbformat: 5, cells: [] })).toThrow(/nbformat: unsupported version 5/);
    expect(() =>
      validateNbformat({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{ cell_type: "nope", id: "a", source: "", metadata: {} }],
      }),
    ).toThrow(/cells\[0\]\.cell_type/);
  });
});
