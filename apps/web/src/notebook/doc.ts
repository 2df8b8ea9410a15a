import * as Y from "yjs";

/**
 * The notebook document in the @jupyter/ydoc schema: a `cells` Y.Array of cell Y.Maps
 * (`id`, `cell_type`, `source` Y.Text, `metadata` Y.Map, and for code cells `outputs`
 * Y.Array of output Y.Maps whose stream `text` is a Y.Text, `execution_count`,
 * `execution_state`), and a `meta` Y.Map (`nbformat`, `nbformat_minor`, `metadata`).
 * Every structural edit here is one transaction with the caller's origin, so the
 * undo manager and collaborators see it as one change.
 */
export type CellType = "code" | "markdown" | "raw";
export type CellMap = Y.Map<any>;

export interface CellJson {
  id: string;
  cell_type: CellType;
  source: string;
  metadata: Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
  attachments?: unknown;
}

export const cellsOf = (doc: Y.Doc): Y.Array<CellMap> => doc.getArray<CellMap>("cells");
export const metaOf = (doc: Y.Doc): Y.Map<any> => doc.getMap("meta");

export function newCellId(): string {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (ch) => {
    const r = (Math.random() * 16) | 0;
    return (ch === "x" ? r : (r & 3) | 8).toString(16);
  });
}

function outputToY(output: any): Y.Map<any> {
  const m = new Y.Map<any>();
  for (const [k, v] of Object.entries(output)) {
    if (k === "text" && output.output_type === "stream") {
      m.set(k, new Y.Text(Array.isArray(v) ? v.join("") : String(v)));
    } else m.set(k, v);
  }
  return m;
}

/** A new cell map, ready to insert. */
export function createCell(cell: Partial<CellJson> & { cell_type: CellType }): CellMap {
  const m = new Y.Map<any>();
  m.set("id", cell.id ?? newCellId());
  m.set("cell_type", cell.cell_type);
  m.set("source", new Y.Text(cell.source ?? ""));
  const metadata = new Y.Map<any>();
  for (const [k, v] of Object.entries(cell.metadata ?? {})) metadata.set(k, v);
  m.set("metadata", metadata);
  if (cell.cell_type === "code") {
    const outputs = new Y.Array<Y.Map<any>>();
    outputs.insert(0, (cell.outputs ?? []).map(outputToY));
    m.set("outputs", outputs);
    m.set("execution_count", cell.execution_count ?? null);
  }
  if (cell.attachments !== undefined) m.set("attachments", cell.attachments);
  return m;
}

export function sourceOf(cell: CellMap): Y.Text {
  const s = cell.get("source");
  if (s instanceof Y.Text) return s;
  // Tolerate a plain string (some writers store it so): it becomes shared text on first edit.
  const text = new Y.Text(typeof s === "string" ? s : Array.isArray(s) ? s.join("") : "");
  return text;
}

export function cellToJson(cell: CellMap): CellJson {
  const metadata = cell.get("metadata");
  const outputs = cell.get("outputs");
  const json: CellJson = {
    id: cell.get("id"),
    cell_type: cell.get("cell_type"),
    source: sourceOf(cell).toString(),
    metadata: metadata instanceof Y.Map ? metadata.toJSON() : (metadata ?? {}),
  };
  if (json.cell_type === "code") {
    json.outputs = outputs instanceof Y.Array ? outputs.toJSON() : (outputs ?? []);
    json.execution_count = cell.get("execution_count") ?? null;
  }
  const attachments = cell.get("attachments");
  if (attachments !== undefined)
    json.attachments = attachments instanceof Y.AbstractType ? attachments.toJSON() : attachments;
  return json;
}

export function indexOfCell(doc: Y.Doc, id: string): number {
  const cells = cellsOf(doc);
  for (let i = 0; i < cells.length; i++) if (cells.get(i).get("id") === id) return i;
  return -1;
}

export function insertCell(
  doc: Y.Doc,
  index: number,
  cell: Partial<CellJson> & { cell_type: CellType },
  origin?: unknown,
): string {
  const m = createCell(cell);
  doc.transact(() => cellsOf(doc).insert(Math.max(0, Math.min(index, cellsOf(doc).length)), [m]), origin);
  return m.get("id");
}

/** Deletes a cell and answers what it held (for undoing the deletion). */
export function deleteCell(doc: Y.Doc, index: number, origin?: unknown): CellJson | null {
  const cells = cellsOf(doc);
  if (index < 0 || index >= cells.length) return null;
  const json = cellToJson(cells.get(index));
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
    const copy = createCell(cellToJson(cells.get(from)) as CellJson);
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
    const m = createCell({ cell_type: cell.get("cell_type"), source: after });
    cellsOf(doc).insert(index + 1, [m]);
    id = m.get("id");
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

export function clearOutputs(doc: Y.Doc, index: number, origin?: unknown): void {
  const cell = cellsOf(doc).get(index);
  const outputs = cell?.get("outputs");
  if (!(outputs instanceof Y.Array) || !outputs.length) return;
  doc.transact(() => {
    outputs.delete(0, outputs.length);
    cell.set("execution_count", null);
  }, origin);
}

/** The cell's `metadata.tags` (what papermill and the scheduler read: a `parameters` cell). */
export function tagsOf(cell: CellMap): string[] {
  const metadata = cell.get("metadata");
  const tags = metadata instanceof Y.Map ? metadata.get("tags") : metadata?.tags;
  return Array.isArray(tags) ? tags.map(String) : [];
}

/** Adds or removes one tag in the cell's `metadata.tags` (dropping the key when none is left). */
export function toggleTag(doc: Y.Doc, cell: CellMap, tag: string, origin?: unknown): void {
  doc.transact(() => {
    let metadata = cell.get("metadata");
    if (!(metadata instanceof Y.Map)) {
      const plain = (metadata ?? {}) as Record<string, unknown>;
      metadata = new Y.Map<any>();
      for (const [k, v] of Object.entries(plain)) metadata.set(k, v);
      cell.set("metadata", metadata);
    }
    const tags = tagsOf(cell);
    const next = tags.includes(tag) ? tags.filter((t) => t !== tag) : [...tags, tag];
    if (next.length) metadata.set("tags", next);
    else metadata.delete("tags");
  }, origin);
}

export type KernelStatus = "unknown" | "starting" | "idle" | "busy" | "dead" | "restarting" | "disconnected";

/** The root map where the kernel gateway shows the notebook's kernel (services/kernels). */
export const KERNEL_MAP = "tandem_kernel";

/** An input() prompt of the running cell, addressed to the browser that ran it. */
export interface InputRequest {
  cellId: string;
  prompt: string;
  password: boolean;
  clientId: number | null;
  userId: string | null;
}

export interface KernelInfo {
  status: KernelStatus;
  inputRequest: InputRequest | null;
  displayName: string | null;
  /** Why the kernel died or could not start. */
  reason: string | null;
}

/** The kernel's state as the gateway publishes it in the document; unknown until it does. */
export function kernelInfoOf(doc: Y.Doc): KernelInfo {
  const map = doc.share.has(KERNEL_MAP) ? doc.getMap<any>(KERNEL_MAP) : null;
  const state = map?.get("state");
  const input = map?.get("input_request");
  return {
    status: typeof state === "string" ? (state as KernelStatus) : "unknown",
    inputRequest:
      input && typeof input === "object" && typeof input.cellId === "string" ? (input as InputRequest) : null,
    displayName: typeof map?.get("display_name") === "string" ? map.get("display_name") : null,
    reason: typeof map?.get("reason") === "string" ? map.get("reason") : null,
  };
}

export function kernelStatusOf(doc: Y.Doc): KernelStatus {
  return kernelInfoOf(doc).status;
}

/** Whether a cell is queued or running (anyone's run; written by the gateway). */
export function executionStateOf(cell: CellMap): "idle" | "queued" | "running" {
  const s = cell.get("execution_state");
  if (s === "running" || s === "busy") return "running";
  if (s === "queued" || s === "pending") return "queued";
  return "idle";
}
