/** Flags that take no value; every other `--flag` takes the next word (or `--flag=value`). */
const BOOLEAN_FLAGS = new Set([
  "json",
  "help",
  "wait",
  "password-stdin",
  "follow",
  "yes",
  "no-stop-on-error",
  "stop-on-error",
  "enabled",
  "disabled",
  "replace-params",
  "delete",
]);
/** Short spellings. */
const ALIASES: Record<string, string> = { h: "help", r: "requirements", o: "output" };
/** Flags that may repeat (`-p a=1 -p b=2`); their values collect into an array. */
const REPEATED_FLAGS = new Set(["p", "param", "requirement"]);

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
}

export function parseCommandLine(argv: string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags: ParsedArgs["flags"] = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    const match = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/.exec(arg);
    if (!match) {
      positionals.push(arg);
      continue;
    }
    const name = ALIASES[match[1]!] ?? match[1]!;
    let value: string | boolean;
    if (match[2] !== undefined) value = match[2];
    else if (BOOLEAN_FLAGS.has(name)) value = true;
    else if (i + 1 < argv.length) value = argv[++i]!;
    else value = true;
    if (REPEATED_FLAGS.has(name)) {
      const list = (flags[name] as string[] | undefined) ?? [];
      list.push(String(value));
      flags[name] = list;
    } else flags[name] = value;
  }
  return { positionals, flags };
}
