import { cellsOf } from "@tandem/notebook";
import type * as Y from "yjs";
import { KernelError } from "../errors.ts";
import type { ExecuteRequest } from "./types.ts";

/** The code cells a request names, in document order. */
export function selectCells(doc: Y.Doc, req: ExecuteRequest): string[] {
  const cells = cellsOf(doc).toArray();
  const code = (c: Y.Map<unknown>) => c.get("cell_type") === "code";
  const ids = (list: Y.Map<unknown>[]) => list.filter(code).map((c) => String(c.get("id")));
  if (Array.isArray(req.cells)) {
    const known = new Set(cells.map((c) => String(c.get("id"))));
    const missing = req.cells.filter((id) => !known.has(id));
    if (missing.length)
      throw new KernelError("unknown_cell", `No cell with id ${missing.map((m) => `'${m}'`).join(", ")}`);
    const wanted = new Set(req.cells);
    return ids(cells.filter((c) => wanted.has(String(c.get("id")))));
  }
  if (req.cells === "all") return ids(cells);
  const at = cells.findIndex((c) => c.get("id") === req.cellId);
  if (at < 0)
    throw new KernelError(
      "unknown_cell",
      req.cellId ? `No cell with id '${req.cellId}'` : `"${req.cells}" needs a cellId`,
    );
  return ids(req.cells === "above" ? cells.slice(0, at) : cells.slice(at));
}
