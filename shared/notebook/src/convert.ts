import * as Y from "yjs";
import { cellsOf, metaOf, type YCell } from "./schema.ts";
import type { JsonObject, NbCell, Nbformat, NbOutput } from "./types.ts";

/** nbformat allows multi-line strings as arrays of lines. */
const joinText = (v: unknown): string => (Array.isArray(v) ? v.join("") : String(v ?? ""));

/** An output as the document holds it: a Y.Map, with a stream's text as Y.Text (so it can grow). */
export function outputToY(output: NbOutput | JsonObject): Y.Map<unknown> {
  const entries: [string, unknown][] = Object.entries(output).map(([key, value]) =>
    output.output_type === "stream" && key === "text" ? [key, new Y.Text(joinText(value))] : [key, value],
  );
  return new Y.Map(entries);
}

/** Fields the document holds in Yjs types; any other field (future nbformat) is kept as plain JSON. */
export function cellToY(cell: NbCell): YCell {
  const ycell: YCell = new Y.Map();
  for (const [key, value] of Object.entries(cell)) {
    if (key === "source") ycell.set(key, new Y.Text(joinText(value)));
    else if (key === "metadata") ycell.set(key, new Y.Map(Object.entries((value as JsonObject) ?? {})));
    else if (key === "outputs" && Array.isArray(value))
      ycell.set(key, Y.Array.from((value as NbOutput[]).map(outputToY)));
    else ycell.set(key, value);
  }
  if (cell.cell_type === "code") {
    // (A Y.Map not yet in a doc cannot answer has(), so look at the JSON.)
    if (cell.execution_count === undefined) ycell.set("execution_count", null);
    if (!Array.isArray(cell.outputs)) ycell.set("outputs", new Y.Array());
  }
  return ycell;
}

export const TOP_LEVEL = new Set(["nbformat", "nbformat_minor", "metadata", "cells"]);

const toJson = (v: unknown): unknown => (v instanceof Y.AbstractType ? v.toJSON() : v);

/** Live-only fields that nbformat has no place for. */
const LIVE_ONLY = new Set(["execution_state"]);

export function cellFromY(ycell: YCell): NbCell {
  const cell: Record<string, unknown> = { metadata: {} };
  for (const [key, value] of ycell.entries()) if (!LIVE_ONLY.has(key)) cell[key] = toJson(value);
  if (Array.isArray(cell.source)) cell.source = cell.source.join("");
  if (["code", "markdown", "raw"].includes(cell.cell_type as string)) cell.source ??= "";
  if (cell.cell_type === "code") {
    cell.execution_count ??= null;
    cell.outputs ??= [];
  }
  return cell as NbCell;
}

/** The document as nbformat 4.5 JSON (no validation; `@tandem/notebook/node` has exportNbformat). */
export function toNbformat(doc: Y.Doc): Nbformat {
  const meta = metaOf(doc);
  const extra: Record<string, unknown> = {};
  for (const [key, value] of meta.entries()) if (!TOP_LEVEL.has(key)) extra[key] = toJson(value);
  return {
    ...extra,
    nbformat: (meta.get("nbformat") as number | undefined) ?? 4,
    nbformat_minor: Math.max(5, (meta.get("nbformat_minor") as number | undefined) ?? 5),
    metadata: (toJson(meta.get("metadata")) as JsonObject | undefined) ?? {},
    cells: cellsOf(doc).toArray().map(cellFromY),
  };
}
