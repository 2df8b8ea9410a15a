import { invalid } from "./errors.ts";

// MLflow's limits (mlflow/utils/validation.py).
export const MAX_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;
export const MAX_BATCH_METRICS = 1000;
export const MAX_BATCH_PARAMS = 100;
export const MAX_BATCH_TAGS = 100;
export const MAX_BATCH_TOTAL = 1000;

const KEY_CHARS = /^[/\w.\- :]*$/;

/** MLflow's rule for metric, param and tag names: path-like, no `..`, not absolute. */
export function validateKey(kind: "metric" | "param" | "tag", key: unknown): string {
  if (key !== undefined && key !== null && typeof key !== "string")
    throw invalid(`Invalid value ${JSON.stringify(key)} for parameter 'key' supplied`);
  if (typeof key !== "string" || key === "") throw invalid(`Missing value for required parameter '${kind} key'`);
  if (key.length > MAX_KEY_LENGTH)
    throw invalid(`'${key.slice(0, 20)}…' exceeds the maximum length of ${MAX_KEY_LENGTH} for ${kind} names`);
  if (kind !== "tag" && !KEY_CHARS.test(key))
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  if (key.startsWith("/") || key.split("/").includes(".."))
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such.`,
    );
  return key;
}

export function validateValue(kind: "param" | "tag", key: string, value: unknown): string {
  if (value === undefined || value === null)
    throw invalid(`Missing value for required parameter '${kind} value' of ${key}`);
  const s = String(value);
  const max = kind === "param" ? MAX_PARAM_VALUE_LENGTH : MAX_TAG_VALUE_LENGTH;
  if (s.length > max)
    throw invalid(
      `${kind === "param" ? "Param" : "Tag"} value for '${key}' exceeds the maximum length of ${max} characters`,
    );
  return s;
}
