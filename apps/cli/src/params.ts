import { readFile } from "node:fs/promises";
import type { Parameters } from "@tandem/protocol";
import { UsageError } from "./command.ts";

type Json = Parameters[string];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
// JSON's number grammar, plus Python's `.5` and `5.`: what a user types for a float.
const NUMBER = /^-?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const INTEGER = /^-?(?:0|[1-9]\d*)$/;
const KEYWORDS: Record<string, Json> = { true: true, True: true, false: false, False: false, null: null, None: null };

/**
 * Reads a `-p` value the way papermill does, with JSON where papermill has Python: numbers,
 * true/false/null (or True/False/None), JSON lists and objects, and a JSON string in double
 * quotes (`"007"`) to force a string. Anything else is the string as typed, so `-p name=abc`
 * needs no quoting. Numbers with leading zeros (`007`, zip codes) stay strings.
 */
export function parseParameterValue(raw: string): Json {
  if (raw in KEYWORDS) return KEYWORDS[raw]!;
  if (NUMBER.test(raw)) {
    const n = Number(raw);
    if (INTEGER.test(raw) && !Number.isSafeInteger(n))
      throw new UsageError(`${raw} is too large for a JSON number; pass it as a string: '"${raw}"'`);
    return n;
  }
  if (/^[[{"]/.test(raw)) {
    try {
      return JSON.parse(raw) as Json;
    } catch {
      // Not JSON after all (`[draft]`, `"unbalanced`): the text as typed.
    }
  }
  return raw;
}

/**
 * One `-p` argument: `key=value` (value read by parseParameterValue) or `key:=json`
 * (strict JSON, an error when it is not).
 */
export function parameterFromArg(arg: string): [string, Json] {
  const eq = arg.indexOf("=");
  if (eq < 0) throw new UsageError(`-p ${arg}: expected key=value`);
  const strict = eq > 0 && arg[eq - 1] === ":";
  const key = arg.slice(0, strict ? eq - 1 : eq);
  const raw = arg.slice(eq + 1);
  if (!IDENTIFIER.test(key)) throw new UsageError(`-p ${arg}: '${key}' is not a parameter name (a Python identifier)`);
  if (!strict) return [key, parseParameterValue(raw)];
  try {
    return [key, JSON.parse(raw) as Json];
  } catch (err) {
    throw new UsageError(`-p ${arg}: not JSON: ${(err as Error).message}`);
  }
}

/** Every `-p key=value`, in order (a later one wins). */
export function parseParameterList(args: string[]): Parameters {
  const params: Parameters = {};
  for (const arg of args) {
    const [key, value] = parameterFromArg(arg);
    params[key] = value;
  }
  return params;
}

/**
 * The parameters a command line names: `--params-file FILE.json` first, then each `-p` over it.
 * Undefined when neither is given (so that "no change" differs from "none").
 */
export async function parametersFromFlags(flags: Record<string, unknown>): Promise<Parameters | undefined> {
  const file = flags["params-file"];
  const pairs = [...((flags.p as string[] | undefined) ?? []), ...((flags.param as string[] | undefined) ?? [])];
  if (file === undefined && !pairs.length) return undefined;
  let base: Parameters = {};
  if (file !== undefined) {
    if (typeof file !== "string") throw new UsageError("--params-file needs a file name");
    let data: unknown;
    try {
      data = JSON.parse(await readFile(file, "utf8"));
    } catch (err) {
      throw new UsageError(`Cannot read ${file} as JSON: ${(err as Error).message}`);
    }
    if (typeof data !== "object" || data === null || Array.isArray(data))
      throw new UsageError(`${file}: expected a JSON object of parameters`);
    base = data as Parameters;
  }
  return { ...base, ...parseParameterList(pairs) };
}
