import type { schema } from "@tandem/db";
import type { Environment, EnvironmentSpec, EnvironmentStatus } from "@tandem/protocol";
import { kernelspecName } from "./kernelspec.ts";
import type { Lock } from "./lock.ts";

type Row = typeof schema.environments.$inferSelect;

/** An environment version as the API shows it: its row, with what its lock says. */
export function toEnvironment(row: Row): Environment {
  const lock = row.lock as Lock | null;
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    status: row.status as EnvironmentStatus,
    identity: row.identity,
    python: lock?.python.version ?? null,
    platform: lock?.python.platform ?? null,
    spec: row.spec as EnvironmentSpec,
    packages: lock?.packages ?? null,
    basePackages: lock?.base?.packages ?? null,
    sizeBytes: row.sizeBytes,
    kernelspec: kernelspecName(row.id),
    error: row.error,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    builtAt: row.builtAt?.toISOString() ?? null,
  };
}
