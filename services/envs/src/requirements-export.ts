import type { schema } from "@tandem/db";
import type { EnvironmentSpec } from "@tandem/protocol";
import { indexArgs } from "./builder.ts";
import { type Lock, renderRequirements } from "./lock.ts";

/**
 * An environment's lock as a requirements.txt with hashes, to reproduce it elsewhere with
 * `pip install --require-hashes` (null until it is resolved).
 */
export function requirementsTxtOf(row: typeof schema.environments.$inferSelect): string | null {
  if (!row.lock) return null;
  const lock = row.lock as Lock;
  const spec = row.spec as EnvironmentSpec;
  // Only URLs travel: a local find-links directory means nothing on another machine.
  const options = indexArgs(spec).reduce<string[]>((acc, a, i, all) => {
    if (a.startsWith("--") && all[i + 1] && /^https?:/.test(all[i + 1]!)) acc.push(`${a} ${all[i + 1]}`);
    if (a === "--no-index") acc.push(a);
    return acc;
  }, []);
  return renderRequirements(lock.packages, {
    comment: [
      `Tandem environment ${row.name} v${row.version} (${row.identity})`,
      `Python ${lock.python.implementation} ${lock.python.version} on ${lock.python.platform}`,
      ...(lock.base
        ? [`Built on the base interpreter ${lock.base.python} (${lock.base.packages.length} packages inherited)`]
        : []),
      "Install with: pip install --require-hashes -r requirements.txt",
    ],
    options,
  });
}
