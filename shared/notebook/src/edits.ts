import * as Y from "yjs";
import { newCellId } from "./cell-id.ts";
import { cellFromY, cellToY } from "./convert.ts";
import { type CellType, cellsOf, type YCell } from "./schema.ts";
import type { JsonObject, NbCell } from "./types.ts";

/**
 * Structural edits a person makes to the notebook (the web app's commands), by cell index. Each is
 * one transaction with the caller's origin, so the undo manager and collaborators see one change.
 * (The kernel gateway's edits, by cell id, are in cells.ts.)
 */

/** What a new cell may be given: its type, and any of an nbformat cell's fields. */
export type NewCell = Partial<NbCell> & { cell_type: CellType };

/** A new cell map, ready to insert: a fresh id unless one is given, empty source and metadata. */
export function createCell(cell: NewCell): YCell {
  const full: NbCell = {
    ...cell,
    id: cell.id ?? newCellId(),
    source: cell.source ?? "",
    metadata: cell.metadata ?? {},
  };
  for (const key of Object.keys(full)) if (full[key] === undefined) delete full[key];
  return cellToY(full);
}

/** The cell's source as shared text (a plain string, as some writers store it, becomes one on first edit). */
export function sourceOf(cell: YCell): Y.Text {
  const s = cell.get("source");
  if (s instanceof Y.Text) return s;
  return new Y.Text(typeof s === "string" ? s : Array.isArray(s) ? s.join("") : "");
}

export function indexOfCell(doc: Y.Doc, id: string): number {
  const cells = cellsOf(doc);
  for (let i = 0; i < cells.length; i++) if (cells.get(i).get("id") === id) return i;
  return -1;
}

/** Inserts a cell at `index` (clamped) and answers its id. */
export function insertCell(doc: Y.Doc, index: number, cell: NewCell, origin?: unknown): string {
  const m = createCell(cell);
  doc.transact(() => cellsOf(doc).insert(Math.max(0, Math.min(index, cellsOf(doc).length)), [m]), origin);
  return m.get("id") as string;
}

/** Deletes a cell and answers what it held (for undoing the deletion). */
export function deleteCell(doc: Y.Doc, index: number, origin?: unknown): NbCell | null {
  const cells = cellsOf(doc);
  if (index < 0 || index >= cells.length) return null;
  const json = cellFromY(cells.get(index));
  doc.transact(() => cells.delete(index, 1), origin);
  return json;
}

/**
 * Moves a cell. Yjs arrays have no move, so the cell is re-created at its new place with
 * the same id and content (what JupyterLab does too).
 */
export function moveCell(doc: Y.Doc, from: number, to: number, origin?: unknown): void {
  const cells = cellsOf(doc);
  if (from === to || from < 0 || to < 0 || from >= cells.length || to >= cells.length) return;
  doc.transact(() => {
    const copy = cellToY(cellFromY(cells.get(from)));
    const state = cells.get(from).get("execution_state");
    if (state !== undefined) copy.set("execution_state", state);
    cells.delete(from, 1);
    cells.insert(to, [copy]);
  }, origin);
}

/** Changes a cell's type in place, so its text (and everyone's cursors in it) survive. */
export function setCellType(doc: Y.Doc, index: number, type: CellType, origin?: unknown): void {
  const cell = cellsOf(doc).get(index);
  if (!cell || cell.get("cell_type") === type) return;
  doc.transact(() => {
    cell.set("cell_type", type);
    if (type === "code") {
      if (!(cell.get("outputs") instanceof Y.Array)) cell.set("outputs", new Y.Array());
      cell.set("execution_count", null);
    } else {
      cell.delete("outputs");
      cell.delete("execution_count");
      cell.delete("execution_state");
    }
  }, origin);
}

/** Splits a cell at a character offset: the text after it goes to a new cell below. */
export function splitCell(doc: Y.Doc, index: number, offset: number, origin?: unknown): string | null {
  const cell = cellsOf(doc).get(index);
  if (!cell) return null;
  const text = sourceOf(cell);
  const content = text.toString();
  const at = Math.max(0, Math.min(offset, content.length));
  const before = content.slice(0, at).replace(/\n$/, "");
  const after = content.slice(at).replace(/^\n/, "");
  let id: string | null = null;
  doc.transact(() => {
    text.delete(before.length, content.length - before.length);
    const m = createCell({ cell_type: cell.get("cell_type") as CellType, source: after });
    cellsOf(doc).insert(index + 1, [m]);
    id = m.get("id") as string;
  }, origin);
  return id;
}

/** Merges the cell below into this one (sources joined by a newline; outputs dropped). */
export function mergeBelow(doc: Y.Doc, index: number, origin?: unknown): boolean {
  const cells = cellsOf(doc);
  if (index < 0 || index + 1 >= cells.length) return false;
  const cell = cells.get(index);
  const next = sourceOf(cells.get(index + 1)).toString();
  doc.transact(() => {
    const text = sourceOf(cell);
    text.insert(text.length, text.length && next ? `\n${next}` : next);
    cells.delete(index + 1, 1);
    const outputs = cell.get("outputs");
    if (outputs instanceof Y.Array && outputs.length) outputs.delete(0, outputs.length);
  }, origin);
  return true;
}

/** Clears a cell's outputs and its execution count (the "clear outputs" command). */
export function clearOutputsAt(doc: Y.Doc, index: number, origin?: unknown): void {
  const cell = cellsOf(doc).get(index);
  const outputs = cell?.get("outputs");
  if (!(outputs instanceof Y.Array) || !outputs.length) return;
  doc.transact(() => {
    outputs.delete(0, outputs.length);
    cell.set("execution_count", null);
  }, origin);
}

/** The cell's `metadata.tags` (what papermill and the scheduler read: a `parameters` cell). */
export function tagsOf(cell: YCell): string[] {
  const metadata = cell.get("metadata");
  const tags = metadata instanceof Y.Map ? metadata.get("tags") : (metadata as JsonObject | undefined)?.tags;
  return Array.isArray(tags) ? tags.map(String) : [];
}

/** Adds or removes one tag in the cell's `metadata.tags` (dropping the key when none is left). */
export function toggleTag(doc: Y.Doc, cell: YCell, tag: string, origin?: unknown): void {
  doc.transact(() => {
    let metadata = cell.get("metadata");
    if (!(metadata instanceof Y.Map)) {
      metadata = new Y.Map<unknown>(Object.entries((metadata ?? {}) as JsonObject));
      cell.set("metadata", metadata);
    }
    const map = metadata as Y.Map<unknown>;
    const tags = tagsOf(cell);
    const next = tags.includes(tag) ? tags.filter((t) => t !== tag) : [...tags, tag];
    if (next.length) map.set("tags", next);
    else map.delete("tags");
  }, origin);
}
