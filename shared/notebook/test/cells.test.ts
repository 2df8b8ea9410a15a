import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  appendOutput,
  appendStream,
  CellNotFoundError,
  cellIds,
  cellMetadata,
  cellOutputs,
  cellSource,
  clearOutputs,
  findCell,
  replaceOutput,
  SERVER_ORIGIN,
  setCellMetadata,
  setExecutionCount,
  setExecutionState,
  setOutputs,
} from "../src/index.ts";
import { exportNbformat, fromNbformat } from "../src/node.ts";

const notebook = () =>
  fromNbformat({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { id: "md", cell_type: "markdown", source: "# Title", metadata: {} },
      {
        id: "code",
        cell_type: "code",
        source: ["x = 1\n", "print(x)"],
        metadata: {},
        outputs: [],
        execution_count: null,
      },
    ],
  });

describe("cell helpers (what the kernel gateway writes)", () => {
  it("finds cells and reads their source", () => {
    const doc = notebook();
    expect(cellIds(doc)).toEqual(["md", "code"]);
    expect(findCell(doc, "code")?.get("cell_type")).toBe("code");
    expect(cellSource(doc, "code")).toBe("x = 1\nprint(x)");
    expect(() => cellSource(doc, "nope")).toThrow(CellNotFoundError);
  });

  it("coalesces stream text into the last stream output of the same name", () => {
    const doc = notebook();
    appendStream(doc, "code", "stdout", "a");
    appendStream(doc, "code", "stdout", "b\n");
    appendStream(doc, "code", "stderr", "oops\n");
    appendStream(doc, "code", "stdout", "c\n");
    expect(cellOutputs(doc, "code")).toEqual([
      { output_type: "stream", name: "stdout", text: "ab\n" },
      { output_type: "stream", name: "stderr", text: "oops\n" },
      { output_type: "stream", name: "stdout", text: "c\n" },
    ]);
  });

  it("sets, appends, replaces and clears outputs; sets execution count, state and metadata", () => {
    const doc = notebook();
    const result = { output_type: "execute_result", execution_count: 1, data: { "text/plain": "1" }, metadata: {} };
    setOutputs(doc, "code", [{ output_type: "stream", name: "stdout", text: "1\n" }]);
    appendOutput(doc, "code", result);
    replaceOutput(doc, "code", 1, { ...result, data: { "text/plain": "2" } });
    expect(cellOutputs(doc, "code")[1]!.data).toEqual({ "text/plain": "2" });
    setExecutionCount(doc, "code", 1);
    setExecutionState(doc, "code", "running");
    setCellMetadata(doc, "code", "execution", { "iopub.status.busy": "2024-01-01T00:00:00Z" });
    expect(cellMetadata(doc, "code")).toEqual({ execution: { "iopub.status.busy": "2024-01-01T00:00:00Z" } });
    const nb = exportNbformat(doc);
    expect(nb.cells[1]).toMatchObject({
      execution_count: 1,
      outputs: [{ text: "1\n" }, { data: { "text/plain": "2" } }],
    });
    // execution_state is live-only: nbformat has no place for it.
    expect(nb.cells[1]).not.toHaveProperty("execution_state");
    clearOutputs(doc, "code");
    expect(cellOutputs(doc, "code")).toEqual([]);
  });

  it("tags server edits with the server origin, one transaction per helper", () => {
    const doc = notebook();
    const origins: unknown[] = [];
    doc.on("update", (_u: Uint8Array, origin: unknown) => origins.push(origin));
    appendStream(doc, "code", "stdout", "x");
    setExecutionCount(doc, "code", 2);
    expect(origins).toEqual([SERVER_ORIGIN, SERVER_ORIGIN]);
    // The edits travel as ordinary updates.
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    expect(cellOutputs(copy, "code")).toEqual([{ output_type: "stream", name: "stdout", text: "x" }]);
  });
});
