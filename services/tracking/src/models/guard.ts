import { TrackingError } from "../errors.ts";

/**
 * What a later service (deployments) may veto: it answers a reason to refuse, or null. A refusal
 * reaches the client as 409 RESOURCE_CONFLICT and nothing is changed.
 */
export interface ModelGuard {
  deleteVersion?(v: { name: string; version: number }): Promise<string | null>;
  moveAlias?(a: { name: string; alias: string; from: number | null; to: number | null }): Promise<string | null>;
}

export class Guards {
  private guard: ModelGuard = {};
  set(guard: ModelGuard) {
    this.guard = guard;
  }
  async deleteVersion(v: { name: string; version: number }) {
    const reason = await this.guard.deleteVersion?.(v);
    if (reason) throw new TrackingError("RESOURCE_CONFLICT", reason);
  }
  async moveAlias(a: { name: string; alias: string; from: number | null; to: number | null }) {
    if (a.from === a.to) return;
    const reason = await this.guard.moveAlias?.(a);
    if (reason) throw new TrackingError("RESOURCE_CONFLICT", reason);
  }
}
