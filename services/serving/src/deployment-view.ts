import type { Deployment, DeploymentStatus } from "@tandem/protocol";
import type { Replica } from "./replica.ts";
import type { DeploymentRow } from "./store.ts";

/** A deployment as the API shows it: its row, with "degraded" while some of its replicas are not ready. */
export function deploymentView(row: DeploymentRow, replicas: Replica[], publicUrl: string): Deployment {
  let status = row.status as DeploymentStatus;
  let reason = row.reason;
  if (status === "ready" && replicas.length) {
    const ready = replicas.filter((r) => r.state === "ready").length;
    if (ready < replicas.length) {
      status = "degraded";
      reason = replicas.find((r) => r.lastError)?.lastError ?? "A replica is restarting";
    }
  }
  return {
    id: row.id,
    name: row.name,
    projectId: row.projectId,
    model: row.model,
    alias: row.alias,
    version: row.version,
    canary: row.canary ?? null,
    replicas: row.replicas,
    timeoutMs: row.timeoutMs,
    gpus: row.resources.gpus ?? 0,
    status,
    reason,
    serving: row.serving,
    url: `${publicUrl}/deployments/${row.name}`,
    replicaStates: replicas.map((r) => ({
      id: r.id,
      version: r.version,
      state: r.state,
      pid: r.pid,
      restarts: r.restarts,
      lastError: r.lastError,
    })),
    logSampleRate: row.logSampleRate,
    sensitive: row.sensitive,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
