import { localRequirementReason } from "./local-sources.ts";

/**
 * `%pip …` lines of a notebook cell, read as what they ask of the notebook's environment. Tandem
 * never lets pip mutate a pinned environment: an install becomes a new version of its spec.
 */
export type PipCommand =
  | {
      action: "install";
      requirements: string[];
      /** `-U pkg`: these may move past the versions the current lock prefers. */
      upgrade: boolean;
      indexUrl?: string;
      extraIndexUrls: string[];
      findLinks: string[];
      noIndex: boolean;
      line: string;
    }
  | { action: "uninstall"; names: string[]; line: string }
  | { action: "freeze" | "list"; line: string };

export class PipCommandError extends Error {}

// `%pip`, `!pip`, `%pip3`, `%uv pip`, `!uv pip`, `!python -m pip`, `!python3 -m pip`, at the start of a line.
const MAGIC = /^(?:[%!](?:pip3?|uv\s+pip)|!python3?\s+-m\s+pip)(?:\s+(.*))?$/;

/** Whether a line (unindented) is a pip magic; its argument text when it is. */
export function pipMagicArgs(line: string): string | null {
  const m = MAGIC.exec(line.trimEnd());
  return m ? (m[1] ?? "") : null;
}

/** Splits an argument string as a POSIX shell would for plain words and quotes. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur = "";
  let quote: string | null = null;
  let any = false;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      any = true;
    } else if (/\s/.test(ch)) {
      if (cur || any) words.push(cur);
      cur = "";
      any = false;
    } else cur += ch;
  }
  if (quote) throw new PipCommandError(`unclosed ${quote} quote`);
  if (cur || any) words.push(cur);
  return words;
}

const QUIET_FLAGS = new Set(["-q", "--quiet", "-qq", "-v", "--verbose", "--no-cache-dir", "--user", "-y", "--yes"]);
const NOT_SUPPORTED: Record<string, string> = {
  "-r": "requirements files are read by the environment's spec: create a version with `tandem envs create NAME -r requirements.txt` or the Environments page",
  "--requirement":
    "requirements files are read by the environment's spec (the Environments page, or `tandem envs create`)",
  "-e": "editable installs would point the environment at files outside its lock",
  "--editable": "editable installs would point the environment at files outside its lock",
  "-t": "the environment is pinned: packages go into a new version of it, not into a directory",
  "--target": "the environment is pinned: packages go into a new version of it, not into a directory",
  "--pre": "pre-releases: name the version you want (e.g. pkg==2.0rc1)",
};

function needValue(words: string[], i: number, flag: string): string {
  const v = words[i + 1];
  if (v === undefined || v.startsWith("-")) throw new PipCommandError(`${flag} needs a value`);
  return v;
}

function httpUrl(flag: string, value: string): string {
  if (!/^https?:\/\//i.test(value))
    throw new PipCommandError(`${flag} ${value}: only http(s) indexes can be used from a notebook`);
  return value;
}

/** Reads one `%pip` line's arguments. */
export function parsePipCommand(args: string, line: string): PipCommand {
  const words = shellWords(args);
  const sub = words.shift();
  if (!sub) throw new PipCommandError("usage: %pip install PACKAGE… | uninstall PACKAGE… | freeze | list");
  if (sub === "freeze" || sub === "list") return { action: sub, line };
  if (sub === "uninstall") {
    const names = words.filter((w) => !QUIET_FLAGS.has(w));
    const option = names.find((n) => n.startsWith("-"));
    if (option) throw new PipCommandError(`%pip uninstall: ${option} is not supported here`);
    if (!names.length) throw new PipCommandError("%pip uninstall: name the packages to remove");
    return { action: "uninstall", names, line };
  }
  if (sub !== "install")
    throw new PipCommandError(`%pip ${sub} is not available: Tandem answers install, uninstall, freeze and list`);
  const cmd = {
    action: "install" as const,
    requirements: [] as string[],
    upgrade: false,
    indexUrl: undefined as string | undefined,
    extraIndexUrls: [] as string[],
    findLinks: [] as string[],
    noIndex: false,
    line,
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const [flag, inline] =
      w.startsWith("--") && w.includes("=")
        ? [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)]
        : [w, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const v = needValue(words, i, flag);
      i++;
      return v;
    };
    if (flag === "-U" || flag === "--upgrade") cmd.upgrade = true;
    else if (QUIET_FLAGS.has(flag)) continue;
    else if (flag === "-i" || flag === "--index-url") cmd.indexUrl = httpUrl(flag, value());
    else if (flag === "--extra-index-url") cmd.extraIndexUrls.push(httpUrl(flag, value()));
    else if (flag === "-f" || flag === "--find-links") cmd.findLinks.push(httpUrl(flag, value()));
    else if (flag === "--no-index") cmd.noIndex = true;
    else if (NOT_SUPPORTED[flag]) throw new PipCommandError(`%pip install ${flag}: ${NOT_SUPPORTED[flag]}`);
    else if (flag.startsWith("-")) throw new PipCommandError(`%pip install: ${flag} is not supported here`);
    else {
      const local = localRequirementReason(w);
      if (local)
        throw new PipCommandError(`${local}: install from a package index (or ask an admin for an environment)`);
      cmd.requirements.push(w);
    }
  }
  if (!cmd.requirements.length) throw new PipCommandError("%pip install: name the packages to install");
  return cmd;
}

/** The project name a requirement line names, normalized (PEP 503). */
export function requirementName(line: string): string | null {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line);
  return m ? m[1]!.toLowerCase().replace(/[-_.]+/g, "-") : null;
}

/** Whether a requirement names only a project (no version, extras, markers or URL). */
export const isBareName = (line: string) => /^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*$/.test(line);

/**
 * Splits a cell into its leading pip magics and the code after them (comments and blank lines
 * before a magic are skipped); null when the cell has no pip magic at the top level. A magic after
 * other code is an error: it would run before that code, as the environment changes first.
 */
export function splitPipCell(code: string): { commands: { args: string; line: string }[]; rest: string } | null {
  const lines = code.split("\n");
  const commands: { args: string; line: string }[] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const args = pipMagicArgs(line);
    if (args !== null) commands.push({ args, line: line.trim() });
    else if (line.trim() && !line.trim().startsWith("#")) break;
  }
  const rest = lines.slice(i);
  const later = rest.find((l) => pipMagicArgs(l) !== null);
  if (!commands.length && !later) return null;
  if (later)
    throw new PipCommandError(
      `"${later.trim()}" must come first in its cell: installing builds a new environment and restarts the kernel, so it runs before the cell's code`,
    );
  return { commands, rest: rest.join("\n") };
}
