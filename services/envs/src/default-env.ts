import type { Environment } from "@tandem/protocol";
import type { EnvironmentService } from "./service.ts";
import type { Logger } from "./uv.ts";

export const DEFAULT_ENVIRONMENT_NAME = "Python 3";

export interface EnsureDefaultOptions {
  /** Whether a usable kernelspec already exists elsewhere (the kernel gateway's discovery); default: a ready Tandem environment. */
  hasUsableKernelspec?: () => Promise<boolean>;
  log: Logger;
}

/**
 * On a fresh machine, gives Tandem a working Python 3 kernel: when no usable kernelspec exists,
 * builds a default environment (machine Python + ipykernel, via uv) under the data directory,
 * logging its progress. Later starts find it built and reuse it. Returns null when not needed.
 */
export async function ensureDefaultEnvironment(
  envs: EnvironmentService,
  options: EnsureDefaultOptions,
): Promise<Environment | null> {
  const { log } = options;
  const all = await envs.list();
  const existing = all.find((e) => e.name === DEFAULT_ENVIRONMENT_NAME);
  const usable = options.hasUsableKernelspec ?? (async () => (await envs.kernelspecs()).length > 0);
  if (existing && (await envs.kernelspec(existing.id))) return existing;
  if (!existing && (await usable())) return null;

  let env: Environment | null;
  if (existing) {
    log.info({ environmentId: existing.id }, "default environment: rebuilding");
    env = await envs.build(existing.id);
  } else {
    log.info("default environment: none usable found; creating Python 3 with ipykernel (first start only)");
    env = await envs.create({ name: DEFAULT_ENVIRONMENT_NAME, python: "3", requirements: ["ipykernel"] }, null);
  }
  const id = env!.id;
  const live = await envs.logs(id);
  if (live && typeof live !== "string") {
    for await (const chunk of live.follow()) {
      for (const line of chunk.split("\n")) if (line) log.info({ environmentId: id }, `default environment: ${line}`);
    }
  }
  env = await envs.settled(id);
  if (env?.status !== "ready") {
    log.warn({ environmentId: id, error: env?.error }, "default environment could not be built");
    return env;
  }
  log.info({ environmentId: id, identity: env.identity, kernelspec: env.kernelspec }, "default environment ready");
  return env;
}
