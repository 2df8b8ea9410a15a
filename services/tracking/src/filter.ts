import { invalid } from "./errors.ts";

/** One comparison of MLflow's search grammar: `<type>.<key> <op> <value>`. */
export interface Clause {
  type: "attribute" | "param" | "tag" | "metric";
  key: string;
  op: "=" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE" | "ILIKE" | "IN" | "NOT IN";
  value: string | number | string[];
}

export interface OrderBy {
  type: Clause["type"];
  key: string;
  ascending: boolean;
}

const TYPES: Record<string, Clause["type"]> = {
  attribute: "attribute",
  attributes: "attribute",
  attr: "attribute",
  run: "attribute",
  param: "param",
  params: "param",
  parameter: "param",
  parameters: "param",
  tag: "tag",
  tags: "tag",
  metric: "metric",
  metrics: "metric",
};

// Tokens: quoted strings, backticked identifiers, numbers, operators, parentheses, commas, words.
const TOKEN =
  /\s*(?:('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w.])|(!=|<=|>=|=|<|>)|([(),])|([A-Za-z_]\w*(?:\.(?:\w+|`[^`]*`))*))/y;

type Token = { kind: "str" | "ident" | "num" | "op" | "punct" | "word"; text: string };

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < input.length) {
    if (/^\s*$/.test(input.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(input);
    if (!m) throw invalid(`Invalid search expression near '${input.slice(pos, pos + 20)}'`);
    pos = TOKEN.lastIndex;
    if (m[1]) out.push({ kind: "str", text: m[1].slice(1, -1).replace(/\\(.)/g, "$1") });
    else if (m[2]) out.push({ kind: "ident", text: m[2].slice(1, -1) });
    else if (m[3]) out.push({ kind: "num", text: m[3] });
    else if (m[4]) out.push({ kind: "op", text: m[4] });
    else if (m[5]) out.push({ kind: "punct", text: m[5] });
    else out.push({ kind: "word", text: m[6]! });
  }
  return out;
}

/** `metrics.acc`, `params.\`my key\``, `status` (an attribute) -> type and key. */
function identifier(text: string, defaultType: Clause["type"] = "attribute"): { type: Clause["type"]; key: string } {
  const dot = text.indexOf(".");
  if (dot > 0) {
    const type = TYPES[text.slice(0, dot).toLowerCase()];
    if (type) {
      let key = text.slice(dot + 1);
      if (key.startsWith("`") && key.endsWith("`")) key = key.slice(1, -1);
      if (!key) throw invalid(`Invalid identifier '${text}'`);
      return { type, key };
    }
    throw invalid(
      `Invalid entity type '${text.slice(0, dot)}'. Valid values are ['metric', 'parameter', 'tag', 'attribute']`,
    );
  }
  return { type: defaultType, key: text };
}

/** Parses an MLflow search filter (`metrics.acc > 0.9 and params.lr = '0.1'`): clauses joined by AND. */
export function parseFilter(filter: string | undefined | null): Clause[] {
  if (!filter?.trim()) return [];
  const tokens = tokenize(filter);
  const clauses: Clause[] = [];
  let i = 0;
  const next = () => tokens[i++];
  while (i < tokens.length) {
    const id = next();
    if (!id || (id.kind !== "word" && id.kind !== "ident")) throw invalid(`Invalid search expression '${filter}'`);
    const { type, key } = identifier(id.text);
    let opTok = next();
    let op: Clause["op"];
    if (opTok?.kind === "op") op = opTok.text as Clause["op"];
    else if (opTok?.kind === "word" && /^(i?like|in)$/i.test(opTok.text)) op = opTok.text.toUpperCase() as Clause["op"];
    else if (opTok?.kind === "word" && /^not$/i.test(opTok.text) && /^in$/i.test(tokens[i]?.text ?? "")) {
      i++;
      op = "NOT IN";
    } else throw invalid(`Invalid comparator in search expression '${filter}'`);
    let value: Clause["value"];
    if (op === "IN" || op === "NOT IN") {
      if (next()?.text !== "(") throw invalid(`Expected a list in parentheses after ${op}`);
      const list: string[] = [];
      for (;;) {
        opTok = next();
        if (!opTok || (opTok.kind !== "str" && opTok.kind !== "num"))
          throw invalid("Invalid list in search expression");
        list.push(opTok.text);
        const sep = next();
        if (sep?.text === ")") break;
        if (sep?.text !== ",") throw invalid("Invalid list in search expression");
      }
      value = list;
    } else {
      const v = next();
      if (!v || (v.kind !== "str" && v.kind !== "num")) throw invalid(`Invalid value in search expression '${filter}'`);
      if (type === "metric") {
        if (v.kind !== "num") throw invalid(`Expected numeric value type for metric. Found ${v.text}`);
        value = Number(v.text);
      } else if (v.kind === "num" && type === "attribute" && /time$/.test(key)) value = Number(v.text);
      else if (v.kind === "num" && type !== "attribute")
        throw invalid(`Expected a quoted string value for ${type}s. Got value ${v.text}`);
      else value = v.text;
    }
    if (type === "metric" && !["=", "!=", "<", "<=", ">", ">="].includes(op))
      throw invalid(`Invalid comparator '${op}' for metrics`);
    clauses.push({ type, key, op, value });
    const joiner = tokens[i];
    if (!joiner) break;
    if (joiner.kind !== "word" || joiner.text.toLowerCase() !== "and")
      throw invalid(`Invalid search expression '${filter}': only AND joins clauses`);
    i++;
  }
  return clauses;
}

/** Parses `metrics.acc DESC`, `start_time`, `params.\`lr\` ASC`. */
export function parseOrderBy(items: string[] | undefined | null): OrderBy[] {
  return (items ?? []).map((raw) => {
    const m = /^\s*(.+?)(?:\s+(asc|desc))?\s*$/i.exec(raw);
    if (!m?.[1]) throw invalid(`Invalid order_by clause '${raw}'`);
    const { type, key } = identifier(m[1].trim());
    return { type, key, ascending: (m[2] ?? "asc").toLowerCase() === "asc" };
  });
}
