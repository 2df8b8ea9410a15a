import * as Y from "yjs";
import { cellToY, TOP_LEVEL, toNbformat } from "./convert.ts";
import { InvalidNotebookError } from "./errors.ts";
import { CELLS, cellsOf, metaOf, SERVER_ORIGIN, type YCell } from "./schema.ts";
import type { Nbformat } from "./types.ts";
import { nbformatProblems, validateNbformat } from "./validate.ts";

/** .ipynb in and out of the document, validated against nbformat's schema (Node only: see validate.ts). */

/**
 * Fills an empty doc from .ipynb JSON (validated and normalised first; throws
 * InvalidNotebookError). The doc must be empty: history is never rewritten in place.
 */
export function fromNbformat(json: unknown, doc: Y.Doc = new Y.Doc(), origin: unknown = SERVER_ORIGIN): Y.Doc {
  const nb = validateNbformat(json);
  if (cellsOf(doc).length || metaOf(doc).size) throw new Error("fromNbformat needs an empty document");
  doc.transact(() => {
    const meta = metaOf(doc);
    meta.set("nbformat", nb.nbformat);
    meta.set("nbformat_minor", nb.nbformat_minor);
    meta.set("metadata", new Y.Map(Object.entries(nb.metadata)));
    for (const [key, value] of Object.entries(nb)) if (!TOP_LEVEL.has(key)) meta.set(key, value);
    doc.getArray<YCell>(CELLS).insert(0, nb.cells.map(cellToY));
  }, origin);
  return doc;
}

/** A Yjs update holding the whole notebook imported from .ipynb JSON (for a new document or epoch). */
export function nbformatToUpdate(json: unknown): Uint8Array {
  const doc = fromNbformat(json);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

/** toNbformat, validated against the nbformat 4.5 schema (throws InvalidNotebookError). */
export function exportNbformat(doc: Y.Doc): Nbformat {
  const nb = toNbformat(doc);
  const problems = nbformatProblems(nb);
  if (problems.length) throw new InvalidNotebookError(problems);
  return nb;
}
