import { UsageError } from "./command.ts";

type Flags = Record<string, string | boolean | string[] | undefined>;

/** A flag that takes a word; a usage error when it was given bare (`--name` at the end of the line). */
export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new UsageError(`--${name} needs a value`);
  return value;
}

/** A whole-number flag (`--timeout 600`); a usage error rather than NaN reaching the server. */
export function intFlag(flags: Flags, name: string): number | undefined {
  const value = stringFlag(flags, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`--${name} expects a whole number, not '${value}'`);
  return Number(value);
}

/** Words that clear a nullable setting in `update` commands (`--cron none`). */
export const isNone = (value: string) => ["none", "null", "-", ""].includes(value.trim().toLowerCase());

/** A comma-separated list (`--webhook-on success,failure`). */
export const commaList = (value: string) =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
