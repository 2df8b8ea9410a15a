import { createHash } from "node:crypto";
import type { LockedPackage } from "@tandem/protocol";
import type { Interpreter } from "./python.ts";

/** A resolved environment: every package pinned with its hashes, for one interpreter and platform. */
export interface Lock {
  packages: LockedPackage[];
  python: { version: string; implementation: string; platform: string; path: string };
  /** `name==version` of the base interpreter's packages, when the spec starts from one. */
  base: { python: string; packages: string[] } | null;
}

const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");

/** Reads `uv pip compile --generate-hashes --emit-index-annotation` output into packages. */
export function parseCompiled(text: string): LockedPackage[] {
  const packages: LockedPackage[] = [];
  let current: LockedPackage | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const pin = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(==|@)\s*([^\s\\;]+)/.exec(line);
    if (pin && !raw.startsWith(" ")) {
      current = { name: normalize(pin[1]!), version: pin[3]!, hashes: [], index: null };
      packages.push(current);
    }
    if (!current) continue;
    for (const h of line.matchAll(/--hash=(\S+)/g)) current.hashes.push(h[1]!);
    const from = /^# from (\S+)/.exec(line);
    if (from) current.index = from[1]!;
  }
  for (const p of packages) p.hashes.sort();
  return packages.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The environment's identity: the hash of the lock (names, versions, hashes), the interpreter's
 * version and the platform, and the base's frozen packages. Where a package came from is left
 * out: the hashes already say what it is.
 */
export function lockIdentity(lock: Lock): string {
  const canonical = JSON.stringify({
    v: 1,
    python: `${lock.python.implementation}-${lock.python.version}`,
    platform: lock.python.platform,
    packages: lock.packages.map((p) => [p.name, p.version, [...p.hashes].sort()]),
    base: lock.base ? [...lock.base.packages].sort() : null,
  });
  return createHash("sha256").update(canonical).digest("hex").slice(0, 32);
}

export function lockOf(packages: LockedPackage[], python: Interpreter, base: Lock["base"]): Lock {
  return {
    packages,
    python: {
      version: python.version,
      implementation: python.implementation,
      platform: python.platform,
      path: python.path,
    },
    base,
  };
}

/** The packages to install: those the base interpreter does not already provide at the same version. */
export function packagesToInstall(lock: Lock): LockedPackage[] {
  if (!lock.base) return lock.packages;
  const have = new Set(
    lock.base.packages.map((l) => l.toLowerCase().replace(/^([^=]+)==/, (_, n) => `${normalize(n)}==`)),
  );
  return lock.packages.filter((p) => !have.has(`${p.name}==${p.version}`));
}

/** A `requirements.txt` that `pip install --require-hashes -r` (or `uv pip sync`) installs exactly. */
export function renderRequirements(
  packages: LockedPackage[],
  header: { comment?: string[]; options?: string[] } = {},
): string {
  const out: string[] = [...(header.comment ?? []).map((c) => `# ${c}`), ...(header.options ?? [])];
  for (const p of packages) {
    const pin = /^[a-z]+(\+[a-z]+)?:\/\//.test(p.version) ? `${p.name} @ ${p.version}` : `${p.name}==${p.version}`;
    out.push(
      p.hashes.length
        ? [`${pin} \\`, ...p.hashes.map((h, i) => `    --hash=${h}${i < p.hashes.length - 1 ? " \\" : ""}`)].join("\n")
        : pin,
    );
    if (p.index) out.push(`    # from ${p.index}`);
  }
  return `${out.join("\n")}\n`;
}
