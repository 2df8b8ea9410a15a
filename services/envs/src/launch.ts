import type { GpuAllocator, GpuLease } from "./gpu/allocator.ts";
import type { EnvironmentKernelspec } from "./kernelspec.ts";

/** What the kernel gateway adds to a kernel launched in an environment, and gives back at shutdown. */
export interface KernelLaunch {
  /** Extra environment variables for the kernel process (PYTHONNOUSERSITE, CUDA_VISIBLE_DEVICES). */
  env: Record<string, string>;
  /** What every execution records about where it ran. */
  record: {
    environmentId: string;
    identity: string;
    gpus: { uuid: string; name: string }[];
    driverVersion: string | null;
  };
  /** Gives the GPUs back (call on kernel shutdown or death; safe to call twice). */
  release(): void;
}

/**
 * Prepares a kernel launch in an environment: checks the driver against the environment's CUDA,
 * waits in the GPU queue when the GPUs it needs are taken (it never starts on the CPU instead), and
 * hides every GPU from an environment that asked for none, so no kernel uses a GPU it was not given.
 */
export async function prepareKernelLaunch(
  gpus: GpuAllocator,
  kernelspec: EnvironmentKernelspec,
  options: { signal?: AbortSignal } = {},
): Promise<KernelLaunch> {
  const { environmentId, identity, gpu } = kernelspec.spec.metadata.tandem;
  const env: Record<string, string> = { ...kernelspec.spec.env };
  let lease: GpuLease | null = null;
  if (gpu?.count) {
    lease = await gpus.allocate(environmentId, gpu.count, { cuda: gpu.cuda, signal: options.signal });
    env.CUDA_VISIBLE_DEVICES = lease.visibleDevices;
  } else if (gpus.gpus.length) {
    env.CUDA_VISIBLE_DEVICES = "";
  }
  return {
    env,
    record: {
      environmentId,
      identity,
      gpus: lease?.record.gpus ?? [],
      driverVersion: gpus.gpus[0]?.driverVersion ?? null,
    },
    release: () => lease?.release(),
  };
}
