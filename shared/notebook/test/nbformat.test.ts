import { YNotebook } from "@jupyter/ydoc";
import { checkWithNbformat, nbformatFixture, nbformatFixtures } from "@tandem/testkit";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { createNotebookDoc, InvalidNotebookError, toNbformat } from "../src/index.ts";
import { exportNbformat, fromNbformat, validateNbformat } from "../src/node.ts";

// Fixtures made by Python's nbformat (its v3/v4 builders), and compared with what it reads and writes.
const fixtures = nbformatFixtures();
const parse = (name: string) => JSON.parse(nbformatFixture(name).text);

/** Invalid notebooks, and the field each error must name. */
const INVALID: Record<string, RegExp> = {
  "invalid_missing_source.ipynb": /cells\[0\].*source/,
  "invalid_cell_id.ipynb": /cells\[0\]\.id/,
  "invalid_unique_cell_id.ipynb": /cells\[1\]\.id: 'dup'.*unique/,
  "invalid_metadata.ipynb": /cells\[0\]\.metadata\.collapsed: must be boolean/,
};

/** Through a real update, as a client would receive it. */
function roundTrip(nb: unknown) {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(fromNbformat(nb)));
  return exportNbformat(copy);
}

describe("nbformat fixtures", () => {
  it("has every notebook the tests expect, valid or not as Python's nbformat says", () => {
    expect(fixtures.filter((f) => f.read).length).toBeGreaterThanOrEqual(7);
    for (const name of Object.keys(INVALID)) expect(nbformatFixture(name).error).toBeTruthy();
  });

  for (const fixture of fixtures.filter((f) => f.read)) {
    it(`round-trips ${fixture.name} to what Python's nbformat reads`, () => {
      const exported = roundTrip(JSON.parse(fixture.text));
      // nbformat makes up random ids when it upgrades (v3, 4.0–4.4): those are the only difference allowed.
      const expected = structuredClone(fixture.read!);
      if (fixture.generated_ids) for (const [i, c] of expected.cells.entries()) c.id = exported.cells[i]!.id;
      expect(exported).toEqual(expected);
    });
  }

  it("exports what Python's nbformat validates and writes back unchanged", () => {
    const exported = fixtures.filter((f) => f.read).map((f) => roundTrip(JSON.parse(f.text)));
    expect(checkWithNbformat(exported)).toEqual(exported.map(() => ({ error: null, round_trip_equal: true })));
  });

  for (const [file, field] of Object.entries(INVALID)) {
    it(`refuses ${file}, naming the wrong field`, () => {
      let error: unknown;
      try {
        fromNbformat(parse(file));
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(InvalidNotebookError);
      expect((error as Error).message).toMatch(field);
    });
  }

  it("upgrades nbformat 3 (worksheets, headings, pyout, pyerr) to 4.5", () => {
    const nb = validateNbformat(parse("v3.ipynb"));
    expect(nb.nbformat).toBe(4);
    expect(nb.nbformat_minor).toBe(5);
    expect(nb.metadata.orig_nbformat).toBe(3);
    expect(nb.cells.map((c) => c.source)).toEqual(["## A heading", "Some **text**", "x = 2\nx", "raw text"]);
    const outputs = nb.cells.flatMap((c) => (c.outputs as { output_type: string }[] | undefined) ?? []);
    expect(outputs.map((o) => o.output_type)).toEqual(["stream", "execute_result", "display_data", "error"]);
  });

  it("keeps list-of-lines sources (as nbformat writes them) as the same text", () => {
    const nb = parse("full_v4_5.ipynb");
    expect(Array.isArray(nb.cells[1].source)).toBe(true);
    expect(toNbformat(fromNbformat(nb)).cells[1]!.source).toBe(nb.cells[1].source.join(""));
  });
});

describe("document schema", () => {
  it("is readable by @jupyter/ydoc's YNotebook", () => {
    const doc = fromNbformat(parse("full_v4_5.ipynb"));
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
