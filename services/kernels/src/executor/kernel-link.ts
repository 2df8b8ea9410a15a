import type { Channel } from "../channels.ts";
import type { Kernel } from "../kernel.ts";
import type { KernelManager, KernelOwner } from "../manager.ts";
import type { RawMessage } from "../wire.ts";
import type { PublishedState } from "./document.ts";

/** What the runner hears from its kernel. */
export interface KernelEvents {
  message(channel: Channel, msg: RawMessage): void;
  died(reason: string): void;
}

/** A notebook's kernel: started once on demand, its state published, its messages passed on. */
export class KernelLink {
  kernel?: Kernel;
  private starting?: Promise<Kernel>;
  private detach?: () => void;

  constructor(
    private readonly manager: KernelManager,
    private readonly state: PublishedState,
    private readonly events: KernelEvents,
  ) {}

  /** The kernel while the manager still runs it. */
  live(): Kernel | undefined {
    const k = this.kernel;
    return k && this.manager.get(k.id) === k ? k : undefined;
  }

  async ensure(owner: KernelOwner, spec?: string): Promise<Kernel> {
    const live = this.live();
    if (live) return live;
    this.starting ??= (async () => {
      await this.state.publish({ state: "starting", reason: undefined, id: undefined });
      try {
        // Unnamed: the kernelspec the notebook records (its environment), so everyone gets the same one.
        const recorded = spec ? undefined : await this.state.recordedKernelspec();
        const name = spec ?? (recorded && (await this.manager.hasSpec(recorded)) ? recorded : undefined);
        const kernel = await this.manager.start(name, owner);
        this.attach(kernel);
        return kernel;
      } catch (err) {
        await this.state.publish({ state: "dead", reason: (err as Error).message });
        throw err;
      }
    })().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /**
   * Moves the notebook to a new kernel of `spec` (another environment); the old one is no longer
   * listened to and is returned for the caller to shut down. On failure the old one stays.
   */
  async replace(owner: KernelOwner, spec: string): Promise<{ kernel: Kernel; old?: Kernel }> {
    const old = this.live();
    await this.state.publish({ state: "starting", reason: undefined });
    try {
      const kernel = await this.manager.start(spec, owner);
      this.attach(kernel);
      return { kernel, old };
    } catch (err) {
      await this.state.publish({ state: old?.state ?? "dead" }).catch(() => {});
      throw err;
    }
  }

  private attach(kernel: Kernel) {
    this.detach?.();
    this.kernel = kernel;
    const onMessage = (channel: Channel, msg: RawMessage) => this.events.message(channel, msg);
    const onState = (state: string) => void this.state.publish({ state }).catch(() => {});
    const onDied = (reason: string) => {
      void this.state.publish({ state: "dead", reason }).catch(() => {});
      this.events.died(reason);
    };
    kernel.on("message", onMessage);
    kernel.on("state", onState);
    kernel.on("died", onDied);
    this.detach = () => {
      kernel.off("message", onMessage);
      kernel.off("state", onState);
      kernel.off("died", onDied);
    };
    void this.state
      .publish({
        id: kernel.id,
        name: kernel.spec.name,
        display_name: kernel.spec.display_name,
        language: kernel.spec.language,
        state: kernel.state,
        reason: undefined,
      })
      .catch(() => {});
    void this.state.recordKernel(kernel).catch(() => {});
  }

  /** Stops listening to the kernel (whoever closes the runner shuts it down). */
  stopListening() {
    this.detach?.();
  }
}
