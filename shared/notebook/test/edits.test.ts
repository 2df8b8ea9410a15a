import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  cellFromY,
  cellsOf,
  deleteCell,
  executionStateOf,
  insertCell,
  kernelStatusOf,
  mergeBelow,
  moveCell,
  setCellType,
  splitCell,
  tagsOf,
  toggleTag,
} from "../src/index.ts";

const sources = (doc: Y.Doc) =>
  cellsOf(doc)
    .toArray()
    .map((c) => String(c.get("source")));

function notebook(...srcs: string[]) {
  const doc = new Y.Doc();
  for (const [i, s] of srcs.entries()) insertCell(doc, i, { cell_type: "code", source: s, id: `c${i}` });
  return doc;
}

describe("notebook document helpers (@jupyter/ydoc schema)", () => {
  it("creates cells with the ydoc fields", () => {
    const doc = new Y.Doc();
    insertCell(doc, 0, {
      cell_type: "code",
      source: "print(1)",
      id: "a",
      outputs: [{ output_type: "stream", name: "stdout", text: ["1\n"] }],
    });
    const cell = cellsOf(doc).get(0);
    expect(cell.get("source")).toBeInstanceOf(Y.Text);
    expect(cell.get("metadata")).toBeInstanceOf(Y.Map);
    expect((cell.get("outputs") as Y.Array<Y.Map<unknown>>).get(0).get("text")).toBeInstanceOf(Y.Text);
    expect(cellFromY(cell)).toEqual({
      id: "a",
      cell_type: "code",
      source: "print(1)",
      metadata: {},
      outputs: [{ output_type: "stream", name: "stdout", text: "1\n" }],
      execution_count: null,
    });
  });

  it("moves cells keeping id and content", () => {
    const doc = notebook("a", "b", "c");
    moveCell(doc, 0, 2);
    expect(sources(doc)).toEqual(["b", "c", "a"]);
    expect(cellsOf(doc).get(2).get("id")).toBe("c0");
  });

  it("changes type in place, keeping the shared text", () => {
    const doc = notebook("# hi");
    const text = cellsOf(doc).get(0).get("source");
    setCellType(doc, 0, "markdown");
    const cell = cellsOf(doc).get(0);
    expect(cell.get("cell_type")).toBe("markdown");
    expect(cell.get("source")).toBe(text);
    expect(cell.has("outputs")).toBe(false);
    setCellType(doc, 0, "code");
    expect(cell.get("outputs")).toBeInstanceOf(Y.Array);
  });

  it("splits at the cursor and merges back", () => {
    const doc = notebook("import os\nprint(os)");
    splitCell(doc, 0, "import os\n".length);
    expect(sources(doc)).toEqual(["import os", "print(os)"]);
    mergeBelow(doc, 0);
    expect(sources(doc)).toEqual(["import os\nprint(os)"]);
  });

  it("deletes and gives back what was deleted", () => {
    const doc = notebook("a", "b");
    const gone = deleteCell(doc, 0);
    expect(gone?.source).toBe("a");
    expect(sources(doc)).toEqual(["b"]);
    insertCell(doc, 0, gone!);
    expect(sources(doc)).toEqual(["a", "b"]);
  });

  it("structural edits sync between two documents", () => {
    const a = notebook("x", "y");
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    b.on("update", (u: Uint8Array) => Y.applyUpdate(a, u));
    moveCell(b, 1, 0);
    expect(sources(a)).toEqual(["y", "x"]);
  });

  it("reads kernel and execution state", () => {
    const doc = notebook("x");
    expect(kernelStatusOf(doc)).toBe("unknown");
    doc.getMap("tandem_kernel").set("state", "busy");
    expect(kernelStatusOf(doc)).toBe("busy");
    const cell = cellsOf(doc).get(0);
    cell.set("execution_state", "running");
    expect(executionStateOf(cell)).toBe("running");
  });
});

describe("cell tags", () => {
  it("toggles the parameters tag in metadata.tags, keeping other tags and metadata", () => {
    const doc = new Y.Doc();
    insertCell(doc, 0, { cell_type: "code", source: "alpha = 0.1", metadata: { tags: ["keep"], collapsed: true } });
    const cell = cellsOf(doc).get(0);
    toggleTag(doc, cell, "parameters");
    expect(tagsOf(cell)).toEqual(["keep", "parameters"]);
    expect(cellFromY(cell).metadata).toEqual({ tags: ["keep", "parameters"], collapsed: true });
    toggleTag(doc, cell, "parameters");
    toggleTag(doc, cell, "keep");
    expect(cellFromY(cell).metadata).toEqual({ collapsed: true });
  });
});
