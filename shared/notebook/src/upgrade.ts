import { newCellId } from "./cell-id.ts";
import { InvalidNotebookError } from "./errors.ts";
import type { JsonObject, JsonValue } from "./types.ts";

/** nbformat 3's short output keys and the MIME types nbformat 4 uses for them. */
const V3_MIME: Record<string, string> = {
  text: "text/plain",
  html: "text/html",
  svg: "image/svg+xml",
  png: "image/png",
  jpeg: "image/jpeg",
  latex: "text/latex",
  json: "application/json",
  javascript: "application/javascript",
};

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Multi-line strings may be stored as lists of lines; nbformat's reader joins them. */
const joinLines = (v: JsonValue | undefined): JsonValue | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === "string") ? v.join("") : v;

const isJsonMime = (key: string) =>
  key === "application/json" || (key.startsWith("application/") && key.endsWith("+json"));

/**
 * Brings notebook JSON to the form the document stores, as nbformat's own reader does:
 * nbformat 3 upgraded to 4, minor version raised to 5 with cell ids added where missing,
 * and line lists joined into strings. Input is not modified. Shape errors are left for validation.
 */
export function normalizeNbformat(input: unknown): JsonObject {
  if (!isObject(input)) throw new InvalidNotebookError(["the notebook must be a JSON object"]);
  let nb = structuredClone(input) as JsonObject;
  if (nb.nbformat === 3) nb = upgradeV3(nb);
  if (nb.nbformat !== 4) {
    throw new InvalidNotebookError([`nbformat: unsupported version ${JSON.stringify(nb.nbformat)} (expected 3 or 4)`]);
  }
  if (typeof nb.nbformat_minor === "number" && nb.nbformat_minor < 5) {
    // As nbformat.v4.upgrade: the minor version it came from is kept in the metadata.
    if (isObject(nb.metadata)) nb.metadata.orig_nbformat_minor = nb.nbformat_minor;
    nb.nbformat_minor = 5;
  }
  if (Array.isArray(nb.cells)) {
    for (const cell of nb.cells) {
      if (!isObject(cell)) continue;
      if (cell.id === undefined) cell.id = newCellId();
      if (cell.source !== undefined) cell.source = joinLines(cell.source)!;
      if (Array.isArray(cell.outputs)) for (const out of cell.outputs) if (isObject(out)) normalizeOutput(out);
    }
  }
  return nb;
}

function normalizeOutput(out: JsonObject) {
  if (out.output_type === "stream" && out.text !== undefined) out.text = joinLines(out.text)!;
  if (isObject(out.data)) {
    for (const [key, value] of Object.entries(out.data)) if (!isJsonMime(key)) out.data[key] = joinLines(value)!;
  }
}

/** nbformat.v4.convert.upgrade, for nbformat 3 notebooks. */
function upgradeV3(nb: JsonObject): JsonObject {
  const metadata = isObject(nb.metadata) ? nb.metadata : {};
  delete metadata.name;
  delete metadata.signature;
  metadata.orig_nbformat = 3;
  metadata.orig_nbformat_minor = 0;
  const cells: JsonValue[] = [];
  const worksheets = Array.isArray(nb.worksheets) ? nb.worksheets : [];
  for (const ws of worksheets) {
    if (!isObject(ws) || !Array.isArray(ws.cells)) continue;
    for (const cell of ws.cells) if (isObject(cell)) cells.push(upgradeCellV3(cell));
  }
  return { nbformat: 4, nbformat_minor: 5, metadata, cells };
}

function upgradeCellV3(cell: JsonObject): JsonObject {
  const metadata = isObject(cell.metadata) ? cell.metadata : {};
  const source = joinLines(cell.source ?? "") as string;
  switch (cell.cell_type) {
    case "code": {
      if ("collapsed" in cell) metadata.collapsed = cell.collapsed!;
      const outputs = Array.isArray(cell.outputs) ? cell.outputs.filter(isObject).map(upgradeOutputV3) : [];
      return {
        cell_type: "code",
        metadata,
        source: (joinLines(cell.input ?? "") as string) ?? "",
        execution_count: (cell.prompt_number as number | undefined) ?? null,
        outputs,
      };
    }
    case "heading": {
      const level = typeof cell.level === "number" ? cell.level : 1;
      return {
        cell_type: "markdown",
        metadata,
        source: `${"#".repeat(level)} ${String(source).split(/\r?\n/).join(" ")}`,
      };
    }
    case "html":
      return { cell_type: "markdown", metadata, source };
    default:
      return { cell_type: cell.cell_type ?? "raw", metadata, source };
  }
}

function upgradeOutputV3(out: JsonObject): JsonObject {
  switch (out.output_type) {
    case "pyout":
    case "display_data": {
      const result: JsonObject = {
        output_type: out.output_type === "pyout" ? "execute_result" : "display_data",
        metadata: mimeKeys(isObject(out.metadata) ? out.metadata : {}),
      };
      if (out.output_type === "pyout") result.execution_count = (out.prompt_number as number | undefined) ?? null;
      const data: JsonObject = {};
      for (const [key, value] of Object.entries(out)) {
        if (["output_type", "prompt_number", "metadata"].includes(key)) continue;
        data[V3_MIME[key] ?? key] = value;
      }
      if (typeof data["application/json"] === "string") data["application/json"] = JSON.parse(data["application/json"]);
      result.data = data;
      return result;
    }
    case "pyerr":
      return { ...out, output_type: "error" };
    case "stream": {
      const { stream, ...rest } = out;
      return { ...rest, name: stream ?? "stdout" };
    }
    default:
      return out;
  }
}

function mimeKeys(obj: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [V3_MIME[k] ?? k, v]));
}
