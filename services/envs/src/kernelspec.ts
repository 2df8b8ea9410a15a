import { join } from "node:path";

/** A Jupyter kernelspec (the shape of kernel.json, plus the name and where it came from). */
export interface EnvironmentKernelspec {
  /** Unique kernelspec name, e.g. `tandem-env-<environment id>`. */
  name: string;
  spec: {
    argv: string[];
    display_name: string;
    language: "python";
    interrupt_mode: "signal";
    env: Record<string, string>;
    metadata: {
      tandem: {
        environmentId: string;
        identity: string;
        /** GPUs the kernel must be given (0 or absent: none), and the CUDA the driver is checked against. */
        gpu: { count: number; cuda?: string } | null;
      };
    };
  };
  /** The environment's directory (its `sys.prefix`). */
  prefix: string;
}

export const kernelspecName = (environmentId: string) => `tandem-env-${environmentId}`;

export interface KernelspecInput {
  id: string;
  name: string;
  version: number;
  identity: string;
  path: string;
  python: string;
  gpu?: { count: number; cuda?: string } | null;
}

/** The kernelspec that runs a kernel inside a built environment. */
export function environmentKernelspec(env: KernelspecInput): EnvironmentKernelspec {
  return {
    name: kernelspecName(env.id),
    prefix: env.path,
    spec: {
      argv: [join(env.path, "bin", "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
      display_name: `${env.name}${env.version > 1 ? ` v${env.version}` : ""} (Python ${env.python})`,
      language: "python",
      interrupt_mode: "signal",
      // No stray `pip install --user` leaks into a pinned environment.
      env: { PYTHONNOUSERSITE: "1" },
      metadata: { tandem: { environmentId: env.id, identity: env.identity, gpu: env.gpu?.count ? env.gpu : null } },
    },
  };
}
