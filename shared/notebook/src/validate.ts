import { readFileSync } from "node:fs";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv-draft-04";
import { InvalidNotebookError } from "./errors.ts";
import type { Nbformat } from "./types.ts";
import { normalizeNbformat } from "./upgrade.ts";

const SCHEMA_KEY = "nbformat-4.5";

interface Validators {
  notebook: ValidateFunction;
  cell: Record<string, ValidateFunction>;
}

let compiled: { strict: Validators; relaxed: Validators } | undefined;

/**
 * nbformat's own rule for notebooks from a future minor version (4.6+): extra fields are
 * allowed and unknown cell and output types pass (nbformat.validator's relax_add_props and
 * allow_undefined), so they survive a round trip.
 */
function relax(schema: Record<string, unknown>): Record<string, unknown> {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== "object" || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === "additionalProperties" ? true : walk(v);
    return out;
  };
  const relaxed = walk(schema) as { definitions: Record<string, { oneOf: unknown[] }> };
  relaxed.definitions.cell!.oneOf.push({ $ref: "#/definitions/unrecognized_cell" });
  relaxed.definitions.output!.oneOf.push({ $ref: "#/definitions/unrecognized_output" });
  return relaxed;
}

function validators() {
  if (compiled) return compiled;
  const schema = JSON.parse(
    readFileSync(new URL("../vendor/nbformat/nbformat.v4.5.schema.json", import.meta.url), "utf8"),
  ) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const build = (key: string, s: Record<string, unknown>): Validators => {
    ajv.addSchema(s, key);
    const cell = (type: string) => ajv.getSchema(`${key}#/definitions/${type}_cell`)!;
    return {
      notebook: ajv.getSchema(key)!,
      cell: { code: cell("code"), markdown: cell("markdown"), raw: cell("raw") },
    };
  };
  compiled = { strict: build(SCHEMA_KEY, schema), relaxed: build(`${SCHEMA_KEY}-relaxed`, relax(schema)) };
  return compiled;
}

/** `/cells/0/metadata/collapsed` -> `cells[0].metadata.collapsed` */
function fieldOf(path: string): string {
  return path
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), "");
}

function describe(err: ErrorObject, prefix = ""): string {
  const field = prefix + fieldOf(err.instancePath);
  let message = err.message ?? "is invalid";
  if (err.keyword === "additionalProperties")
    message = `unknown field '${(err.params as { additionalProperty: string }).additionalProperty}'`;
  if (err.keyword === "enum")
    message += `: ${(err.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  return field ? `${field}: ${message}` : message;
}

/**
 * Problems in notebook JSON that is already normalised (nbformat 4.5), each naming the wrong
 * field; an empty list when it is valid. Cells are checked against their own cell_type's schema
 * so that a bad cell gets one precise message, not one per possible cell type.
 */
export function nbformatProblems(nb: unknown): string[] {
  const future = ((nb as { nbformat_minor?: unknown }).nbformat_minor as number) > 5;
  const { notebook, cell } = future ? validators().relaxed : validators().strict;
  if (notebook(nb)) return uniqueIdProblems(nb as Nbformat);
  const problems: string[] = [];
  const badCells = new Set<number>();
  for (const err of notebook.errors ?? []) {
    const m = /^\/cells\/(\d+)/.exec(err.instancePath);
    if (m) badCells.add(Number(m[1]));
    else problems.push(describe(err));
  }
  const cells = (nb as { cells?: unknown[] }).cells ?? [];
  for (const i of [...badCells].sort((a, b) => a - b)) {
    const c = cells[i] as { cell_type?: unknown } | undefined;
    const check = typeof c?.cell_type === "string" ? cell[c.cell_type] : undefined;
    if (!check && future) {
      problems.push(`cells[${i}]: must have cell_type and metadata`);
      continue;
    }
    if (!check) {
      problems.push(`cells[${i}].cell_type: must be one of "code", "markdown", "raw"`);
      continue;
    }
    check(c);
    for (const err of check.errors ?? [])
      problems.push(describe(err, `cells[${i}]`).replace(/^(cells\[\d+\])(\w)/, "$1.$2"));
  }
  return problems.length ? problems : ["does not match the nbformat 4.5 schema"];
}

function uniqueIdProblems(nb: Nbformat): string[] {
  const seen = new Map<string, number>();
  const problems: string[] = [];
  nb.cells.forEach((c, i) => {
    const first = seen.get(c.id);
    if (first !== undefined)
      problems.push(`cells[${i}].id: '${c.id}' is already the id of cells[${first}]; cell ids must be unique`);
    else seen.set(c.id, i);
  });
  return problems;
}

/**
 * Validates .ipynb JSON (nbformat 3 or 4) and answers it normalised to nbformat 4.5, or throws
 * InvalidNotebookError saying which fields are wrong.
 */
export function validateNbformat(json: unknown): Nbformat {
  const nb = normalizeNbformat(json);
  const problems = nbformatProblems(nb);
  if (problems.length) throw new InvalidNotebookError(problems);
  return nb as unknown as Nbformat;
}
