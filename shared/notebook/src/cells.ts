import * as Y from "yjs";
import { outputToY } from "./convert.ts";
import { cellsOf, type ExecutionState, SERVER_ORIGIN, type YCell } from "./schema.ts";
import type { JsonObject, JsonValue, NbOutput } from "./types.ts";

/** Cell-level edits for the server (the kernel gateway writes outputs with these). */

export class CellNotFoundError extends Error {
  constructor(readonly cellId: string) {
    super(`No cell with id '${cellId}' in the notebook`);
    this.name = "CellNotFoundError";
  }
}

export function findCell(doc: Y.Doc, cellId: string): YCell | undefined {
  for (const cell of cellsOf(doc)) if (cell.get("id") === cellId) return cell;
  return undefined;
}

function requireCell(doc: Y.Doc, cellId: string): YCell {
  const cell = findCell(doc, cellId);
  if (!cell) throw new CellNotFoundError(cellId);
  return cell;
}

function outputsOf(cell: YCell): Y.Array<Y.Map<unknown>> {
  let outputs = cell.get("outputs") as Y.Array<Y.Map<unknown>> | undefined;
  if (!outputs) {
    outputs = new Y.Array();
    cell.set("outputs", outputs);
  }
  return outputs;
}

export function cellIds(doc: Y.Doc): string[] {
  return cellsOf(doc).map((c) => String(c.get("id")));
}

export function cellSource(doc: Y.Doc, cellId: string): string {
  return String(requireCell(doc, cellId).get("source") ?? "");
}

export function cellType(doc: Y.Doc, cellId: string): string {
  return String(requireCell(doc, cellId).get("cell_type"));
}

export function cellOutputs(doc: Y.Doc, cellId: string): NbOutput[] {
  return (requireCell(doc, cellId).get("outputs") as Y.Array<Y.Map<unknown>> | undefined)?.toJSON() ?? [];
}

export function setOutputs(doc: Y.Doc, cellId: string, outputs: NbOutput[], origin: unknown = SERVER_ORIGIN) {
  doc.transact(() => {
    const youts = outputsOf(requireCell(doc, cellId));
    youts.delete(0, youts.length);
    youts.push(outputs.map(outputToY));
  }, origin);
}

export function appendOutput(doc: Y.Doc, cellId: string, output: NbOutput, origin: unknown = SERVER_ORIGIN) {
  doc.transact(() => outputsOf(requireCell(doc, cellId)).push([outputToY(output)]), origin);
}

/** Replaces the output at `index` (update_display_data). */
export function replaceOutput(
  doc: Y.Doc,
  cellId: string,
  index: number,
  output: NbOutput,
  origin: unknown = SERVER_ORIGIN,
) {
  doc.transact(() => {
    const youts = outputsOf(requireCell(doc, cellId));
    if (index < 0 || index >= youts.length) throw new RangeError(`Cell '${cellId}' has no output ${index}`);
    youts.delete(index, 1);
    youts.insert(index, [outputToY(output)]);
  }, origin);
}

/**
 * Appends stream text (stdout/stderr). Text goes into the last output when it is a stream of
 * the same name, as Jupyter shows it, so a chatty loop does not make thousands of outputs.
 */
export function appendStream(doc: Y.Doc, cellId: string, name: string, text: string, origin: unknown = SERVER_ORIGIN) {
  doc.transact(() => {
    const youts = outputsOf(requireCell(doc, cellId));
    const last = youts.length ? youts.get(youts.length - 1) : undefined;
    if (last && last.get("output_type") === "stream" && last.get("name") === name) {
      const ytext = last.get("text");
      if (ytext instanceof Y.Text) ytext.insert(ytext.length, text);
      else last.set("text", new Y.Text(String(ytext ?? "") + text));
      return;
    }
    youts.push([outputToY({ output_type: "stream", name, text })]);
  }, origin);
}

export function clearOutputs(doc: Y.Doc, cellId: string, origin: unknown = SERVER_ORIGIN) {
  doc.transact(() => {
    const youts = outputsOf(requireCell(doc, cellId));
    youts.delete(0, youts.length);
  }, origin);
}

export function setExecutionCount(doc: Y.Doc, cellId: string, count: number | null, origin: unknown = SERVER_ORIGIN) {
  doc.transact(() => requireCell(doc, cellId).set("execution_count", count), origin);
}

export function setExecutionState(doc: Y.Doc, cellId: string, state: ExecutionState, origin: unknown = SERVER_ORIGIN) {
  doc.transact(() => requireCell(doc, cellId).set("execution_state", state), origin);
}

/** Sets (or, with undefined, deletes) one key of a cell's metadata, e.g. `execution` timings. */
export function setCellMetadata(
  doc: Y.Doc,
  cellId: string,
  key: string,
  value: JsonValue | undefined,
  origin: unknown = SERVER_ORIGIN,
) {
  doc.transact(() => {
    const cell = requireCell(doc, cellId);
    let meta = cell.get("metadata") as Y.Map<unknown> | undefined;
    if (!meta) {
      meta = new Y.Map();
      cell.set("metadata", meta);
    }
    if (value === undefined) meta.delete(key);
    else meta.set(key, value);
  }, origin);
}

export function cellMetadata(doc: Y.Doc, cellId: string): JsonObject {
  return ((requireCell(doc, cellId).get("metadata") as Y.Map<unknown> | undefined)?.toJSON() ?? {}) as JsonObject;
}
