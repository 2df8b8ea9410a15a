import * as Y from "yjs";

/**
 * The notebook document follows @jupyter/ydoc's layout, so anything speaking Jupyter's
 * collaborative model reads it:
 * - `cells`: Y.Array of cell Y.Maps { id, cell_type, source: Y.Text, metadata: Y.Map,
 *   outputs: Y.Array<Y.Map> (code), execution_count (code), execution_state (code),
 *   attachments (markdown/raw) }; a stream output's `text` is a Y.Text.
 * - `meta`: Y.Map { nbformat, nbformat_minor, metadata: Y.Map }.
 */
export const CELLS = "cells";
export const META = "meta";
/** The root map beside the notebook that shows its kernel (state, input() prompts) to every collaborator; never exported to .ipynb. */
export const KERNEL_MAP = "tandem_kernel";
/** ipywidgets' models: comm id (the model id) → its state, key by key. */
export const WIDGETS_MAP = "tandem_widgets";
/** Widget messages for the kernel (a button's click): queued by browsers, sent and removed by the server. */
export const WIDGET_MESSAGES = "tandem_widget_messages";

/** Transaction origin of edits made by the server itself (kernel outputs, imports). */
export const SERVER_ORIGIN = "tandem-server";

export type CellType = "code" | "markdown" | "raw";
/** A code cell's run: waiting in the kernel's queue, running, or neither. */
export type ExecutionState = "idle" | "queued" | "running";

export type YCell = Y.Map<unknown>;

export function cellsOf(doc: Y.Doc): Y.Array<YCell> {
  return doc.getArray<YCell>(CELLS);
}

export function metaOf(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(META);
}

/** Fills an empty doc with the smallest valid notebook (no cells, nbformat 4.5). */
export function initEmptyNotebook(doc: Y.Doc, origin: unknown = SERVER_ORIGIN): void {
  doc.transact(() => {
    const meta = metaOf(doc);
    meta.set("nbformat", 4);
    meta.set("nbformat_minor", 5);
    meta.set("metadata", new Y.Map());
  }, origin);
}

/** A new Y.Doc holding an empty notebook. */
export function createNotebookDoc(): Y.Doc {
  const doc = new Y.Doc();
  initEmptyNotebook(doc);
  return doc;
}
