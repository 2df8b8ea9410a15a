import { randomBytes } from "node:crypto";
import type { NbCell, Nbformat } from "@tandem/notebook";
import { NO_PARAMETERS_CELL_MESSAGE } from "./errors.ts";

export const PARAMETERS_TAG = "parameters";
export const INJECTED_TAG = "injected-parameters";

const PY_KEYWORDS = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally for from " +
    "global if import in is lambda nonlocal not or pass raise return try while with yield"
  ).split(" "),
);

/** A JSON value as a Python literal (papermill's rendering: None/True/False, numbers, str, list, dict). */
export function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return 'float("nan")';
    if (!Number.isFinite(value)) return value > 0 ? 'float("inf")' : '-float("inf")';
    return String(value);
  }
  // JSON's string escapes (\" \\ \n \uXXXX) are valid in a Python string literal.
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(", ")}]`;
  if (typeof value === "object") {
    const items = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`,
    );
    return `{${items.join(", ")}}`;
  }
  throw new TypeError(`Cannot render ${typeof value} as a Python literal`);
}

/** The injected cell's source. */
export function parametersSource(parameters: Record<string, unknown>): string {
  const lines = Object.entries(parameters).map(([k, v]) => `${k} = ${pythonLiteral(v)}`);
  return `# Parameters\n${lines.join("\n")}\n`;
}

type Kind = "bool" | "int" | "float" | "str" | "any";

/** What a `parameters` cell declares: top-level `name = literal` lines (a type annotation is allowed). */
export function declaredParameters(source: string): Map<string, Kind> {
  const out = new Map<string, Kind>();
  for (const line of source.split("\n")) {
    const m = /^([A-Za-z_]\w*)\s*(?::\s*([^=]+?))?\s*=\s*(.*?)\s*(?:#.*)?$/.exec(line);
    if (!m || m[3] === "" || m[3]!.startsWith("=")) continue;
    out.set(m[1]!, kindOf(m[3]!, m[2]?.trim()));
  }
  return out;
}

function kindOf(literal: string, annotation?: string): Kind {
  if (annotation === "bool" || /^(True|False)$/.test(literal)) return "bool";
  if (annotation === "int" || /^[-+]?\d[\d_]*$/.test(literal)) return "int";
  if (annotation === "float" || /^[-+]?(\d[\d_]*)?\.?\d*(e[-+]?\d+)?$/i.test(literal)) return "float";
  if (annotation === "str" || /^[rbuf]*(['"]).*\1$/i.test(literal)) return "str";
  return "any";
}

function matches(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case "bool":
      return typeof value === "boolean";
    case "int":
      return typeof value === "number" && Number.isInteger(value);
    case "float":
      return typeof value === "number";
    case "str":
      return typeof value === "string";
    default:
      return true;
  }
}

const tagsOf = (cell: NbCell): string[] => {
  const tags = (cell.metadata as { tags?: unknown } | undefined)?.tags;
  return Array.isArray(tags) ? tags.map(String) : [];
};

/** The code cell tagged `parameters`, if the notebook has one. */
export function parametersCell(nb: Nbformat): NbCell | undefined {
  return nb.cells.find((c) => c.cell_type === "code" && tagsOf(c).includes(PARAMETERS_TAG));
}

/**
 * Problems with `parameters` for this notebook, each a sentence: names that are not identifiers,
 * names the notebook's `parameters` cell does not declare, values of the wrong type, any parameter at
 * all when the notebook has no `parameters` cell.
 */
export function parameterProblems(nb: Nbformat, parameters: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const name of Object.keys(parameters)) {
    if (!/^[A-Za-z_]\w*$/.test(name) || PY_KEYWORDS.has(name))
      problems.push(`"${name}" is not a valid Python variable name`);
  }
  const cell = parametersCell(nb);
  if (!cell) {
    if (Object.keys(parameters).length) problems.push(NO_PARAMETERS_CELL_MESSAGE);
    return problems;
  }
  const declared = declaredParameters(Array.isArray(cell.source) ? cell.source.join("") : String(cell.source));
  for (const [name, value] of Object.entries(parameters)) {
    const kind = declared.get(name);
    if (!kind) {
      const known = [...declared.keys()].join(", ") || "none";
      problems.push(`"${name}" is not a parameter of this notebook (its parameters cell declares: ${known})`);
    } else if (!matches(kind, value)) {
      problems.push(`"${name}" must be ${kind === "int" ? "an int" : `a ${kind}`}, got ${JSON.stringify(value)}`);
    }
  }
  return problems;
}

/**
 * Papermill-style injection: drops an earlier `injected-parameters` cell, and puts a new one right
 * after the cell tagged `parameters` (first in the notebook when none is).
 */
export function injectParameters(nb: Nbformat, parameters: Record<string, unknown>): Nbformat {
  const cells = nb.cells.filter((c) => !tagsOf(c).includes(INJECTED_TAG));
  if (!Object.keys(parameters).length) return { ...nb, cells };
  const at = cells.findIndex((c) => tagsOf(c).includes(PARAMETERS_TAG));
  const injected = {
    cell_type: "code",
    id: `injected-${randomBytes(4).toString("hex")}`,
    metadata: { tags: [INJECTED_TAG] },
    source: parametersSource(parameters),
    outputs: [],
    execution_count: null,
  } as unknown as NbCell;
  cells.splice(at + 1, 0, injected);
  return { ...nb, cells };
}
