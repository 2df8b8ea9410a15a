import type { EnvironmentSpec } from "@tandem/protocol";

/**
 * Requirements that make uv read the server's own disk: `file:` URLs, direct references to a path
 * (`pkg @ /abs`, `pkg @ ./x`, `pkg @ ~/x`, `pkg @ C:\x`), bare paths (`./x`, `/abs/x.whl`), local
 * find-links and pyproject `path =` sources. Only admins may use them. Option lines (`-e path`,
 * `--find-links path`) are refused for everyone, by the spec's schema and the builder.
 */
const LOCAL_REFERENCE = /@\s*(?:(?:git\+|hg\+|svn\+|bzr\+)?file:|[/\\~.]|[A-Za-z]:[/\\])/i;
const BARE_PATH = /^(?:[/\\~]|\.{1,2}(?:[/\\]|$)|[A-Za-z]:[/\\])/;

/** Why one requirement line reads the server's disk, or null. */
export function localRequirementReason(line: string): string | null {
  const l = line.replace(/(^|\s)#.*$/, "").trim();
  if (!l) return null;
  if (/\bfile:/i.test(l)) return `"${l}" is a file: URL`;
  if (BARE_PATH.test(l)) return `"${l}" is a local path`;
  if (LOCAL_REFERENCE.test(l)) return `"${l}" points at a local path`;
  return null;
}

/** Why a spec reads the server's disk (the first reason found), or null. */
export function localSourceReason(spec: Partial<EnvironmentSpec>): string | null {
  for (const f of spec.indexes?.findLinks ?? []) {
    if (!/^https?:\/\//i.test(f)) return `findLinks "${f}" is a local directory`;
  }
  const lines = [...(spec.requirements ?? []), ...(spec.requirementsTxt ?? "").split(/\r?\n/)];
  for (const line of lines) {
    const reason = localRequirementReason(line);
    if (reason) return reason;
  }
  const pyproject = spec.pyproject ?? "";
  if (/\bfile:/i.test(pyproject)) return "pyproject: a file: URL";
  if (/^\s*(?:path|editable|find-links|find_links)\s*=|[{,]\s*(?:path|editable)\s*=/im.test(pyproject)) {
    return "pyproject: a local path source";
  }
  // Dependency strings in the pyproject are requirement lines too.
  for (const [, quoted] of pyproject.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g)) {
    if (quoted && /@/.test(quoted) && LOCAL_REFERENCE.test(quoted))
      return `pyproject: "${quoted}" points at a local path`;
  }
  return null;
}
