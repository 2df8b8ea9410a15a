import type { ServedVersion } from "@tandem/db";
import type { Launcher } from "@tandem/launcher";
import type { Logger } from "pino";
import { Replica, type ReplicaPlan } from "./replica.ts";

/** What a version's replicas run: asked once per replica start. */
export type PlanFor = (version: number) => Promise<() => Promise<ReplicaPlan>>;

export interface RuntimeOptions {
  deploymentId: string;
  launcher: Launcher;
  log: Logger;
  startTimeoutMs: number;
}

/**
 * A deployment's replicas on this server, by version, and which one answers next: the traffic
 * split picks a version, then round robin over that version's ready replicas.
 */
export class DeploymentRuntime {
  private sets = new Map<number, Replica[]>();
  private weights: ServedVersion[] = [];
  private turn = 0;
  private seq = 0;

  constructor(private readonly o: RuntimeOptions) {}

  replicas(): Replica[] {
    return [...this.sets.values()].flat();
  }

  serving(): ServedVersion[] {
    return this.weights;
  }

  hasReady(): boolean {
    return this.replicas().some((r) => r.state === "ready" && this.weights.some((w) => w.version === r.version));
  }

  /** The replica for the next request, or null when none is ready. */
  pick(random = Math.random): Replica | null {
    const ready = (version: number) => (this.sets.get(version) ?? []).filter((r) => r.state === "ready");
    const live = this.weights.filter((w) => ready(w.version).length);
    if (!live.length) return null;
    const total = live.reduce((n, w) => n + w.weight, 0);
    let at = random() * total;
    let chosen = live[live.length - 1]!;
    for (const w of live) {
      at -= w.weight;
      if (at < 0) {
        chosen = w;
        break;
      }
    }
    const replicas = ready(chosen.version);
    return replicas[this.turn++ % replicas.length]!;
  }

  /**
   * Moves to `targets`: starts the versions not running yet with `replicas` each and waits until
   * they answer /ping; only then do they take traffic and the others drain. When a new version
   * cannot start, nothing changes (the old replicas keep serving) and the reason is thrown.
   */
  async rollout(targets: ServedVersion[], replicas: number, planFor: PlanFor): Promise<void> {
    const started: Replica[] = [];
    try {
      for (const t of targets) {
        const have = this.sets.get(t.version) ?? [];
        const missing = replicas - have.filter((r) => r.state !== "stopping").length;
        if (missing <= 0) continue;
        const plan = await planFor(t.version);
        const fresh = Array.from(
          { length: missing },
          () =>
            new Replica(`${this.o.deploymentId.slice(0, 8)}-${++this.seq}`, t.version, {
              launcher: this.o.launcher,
              log: this.o.log,
              plan,
              startTimeoutMs: this.o.startTimeoutMs,
            }),
        );
        started.push(...fresh);
        await Promise.all(fresh.map((r) => r.start()));
      }
    } catch (err) {
      await Promise.all(started.map((r) => r.stop(0)));
      throw err;
    }
    for (const r of started) this.sets.set(r.version, [...(this.sets.get(r.version) ?? []), r]);
    // The switch: new weights first, then the versions (and surplus replicas) no longer wanted drain.
    this.weights = targets;
    const draining: Replica[] = [];
    for (const [version, set] of this.sets) {
      const keep = targets.some((t) => t.version === version) ? replicas : 0;
      const live = set.filter((r) => r.state !== "stopping");
      draining.push(...live.slice(keep));
      const kept = live.slice(0, keep);
      if (kept.length) this.sets.set(version, kept);
      else this.sets.delete(version);
    }
    await Promise.all(draining.map((r) => r.stop()));
  }

  async stopAll(): Promise<void> {
    const all = this.replicas();
    this.sets.clear();
    this.weights = [];
    await Promise.all(all.map((r) => r.stop()));
  }
}
