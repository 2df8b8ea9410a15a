import type { Gpu } from "@tandem/protocol";
import { EnvError } from "../errors.ts";
import { checkDriver } from "./cuda.ts";

/** GPUs given to one kernel, until `release()` (on kernel shutdown). */
export interface GpuLease {
  /** The value for CUDA_VISIBLE_DEVICES: the GPUs' UUIDs, comma-separated. */
  visibleDevices: string;
  gpus: Gpu[];
  driverVersion: string | null;
  /** What every execution records about where it ran. */
  record: { environmentId: string; gpus: { uuid: string; name: string }[]; driverVersion: string | null };
  release(): void;
}

export interface AllocateOptions {
  /** The environment's CUDA (major.minor): the driver is checked before anything is handed out. */
  cuda?: string;
  /** Gives up waiting in the queue. */
  signal?: AbortSignal;
}

interface Waiter {
  environmentId: string;
  count: number;
  since: Date;
  cuda?: string;
  resolve(lease: GpuLease): void;
  reject(err: Error): void;
}

/**
 * Hands out whole GPUs by UUID. A request that cannot be met now waits, first come first served,
 * in a queue everyone can see (`status()`), rather than starting on the CPU.
 */
export class GpuAllocator {
  private readonly owner = new Map<string, string>(); // uuid -> environment id
  private readonly waiting: Waiter[] = [];

  constructor(readonly gpus: Gpu[]) {}

  async allocate(environmentId: string, count: number, options: AllocateOptions = {}): Promise<GpuLease> {
    if (!Number.isInteger(count) || count < 0) throw new EnvError("gpu_unavailable", `Cannot allocate ${count} GPUs`);
    if (count > this.gpus.length) {
      throw new EnvError(
        "gpu_unavailable",
        `The environment needs ${count} GPU${count === 1 ? "" : "s"}; this machine has ${this.gpus.length}`,
      );
    }
    if (options.cuda && count > 0) checkDriver(this.gpus[0]!.driverVersion, options.cuda);
    options.signal?.throwIfAborted();
    const now = this.take(environmentId, count);
    if (now && !this.waiting.length) return now;
    if (now) this.giveBack(now.gpus); // someone was queued first
    return new Promise<GpuLease>((resolve, reject) => {
      const waiter: Waiter = { environmentId, count, since: new Date(), cuda: options.cuda, resolve, reject };
      this.waiting.push(waiter);
      options.signal?.addEventListener(
        "abort",
        () => {
          const i = this.waiting.indexOf(waiter);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(options.signal!.reason ?? new Error("aborted"));
          this.drain();
        },
        { once: true },
      );
      this.drain();
    });
  }

  /** Which GPU is whose, and who is waiting. */
  status() {
    return {
      gpus: this.gpus.map((g) => ({ ...g, allocatedTo: this.owner.get(g.uuid) ?? null })),
      queue: this.waiting.map((w) => ({
        environmentId: w.environmentId,
        count: w.count,
        since: w.since.toISOString(),
      })),
    };
  }

  private take(environmentId: string, count: number): GpuLease | null {
    const free = this.gpus.filter((g) => !this.owner.has(g.uuid));
    if (free.length < count) return null;
    const gpus = free.slice(0, count);
    for (const g of gpus) this.owner.set(g.uuid, environmentId);
    const driverVersion = this.gpus[0]?.driverVersion ?? null;
    let released = false;
    return {
      visibleDevices: gpus.map((g) => g.uuid).join(","),
      gpus,
      driverVersion,
      record: { environmentId, gpus: gpus.map((g) => ({ uuid: g.uuid, name: g.name })), driverVersion },
      release: () => {
        if (released) return;
        released = true;
        this.giveBack(gpus);
        this.drain();
      },
    };
  }

  private giveBack(gpus: Gpu[]) {
    for (const g of gpus) this.owner.delete(g.uuid);
  }

  /** Serves the queue in order; the head waits until it fits (no overtaking, so no starvation). */
  private drain() {
    while (this.waiting.length) {
      const head = this.waiting[0]!;
      const lease = this.take(head.environmentId, head.count);
      if (!lease) return;
      this.waiting.shift();
      head.resolve(lease);
    }
  }
}
