import type { Environment } from "@tandem/protocol";
import type { EnvironmentService } from "./service.ts";
import type { Logger } from "./uv.ts";

export const DEFAULT_ENVIRONMENT_NAME = "Python 3";
/** Built instead when the default's requirements cannot be (index unreachable, a package not found). */
export const MINIMAL_ENVIRONMENT_NAME = "Python 3 (minimal)";
/** What a new notebook can do out of the box: a data-science stack, locked. */
export const DEFAULT_REQUIREMENTS = ["numpy", "pandas", "matplotlib", "scikit-learn", "mlflow-skinny", "ipykernel"];

export interface EnsureDefaultOptions {
  /** Whether a usable kernelspec already exists elsewhere (the kernel gateway's discovery); default: a ready Tandem environment. */
  hasUsableKernelspec?: () => Promise<boolean>;
  /** The default environment's requirements (TANDEM_DEFAULT_ENV_REQUIREMENTS); default: `DEFAULT_REQUIREMENTS`. */
  requirements?: string[];
  log: Logger;
}

/**
 * On a fresh machine, gives Tandem a working Python 3 kernel: when no usable kernelspec exists,
 * builds the default environment (machine Python + the data-science stack, via uv) under the data
 * directory, logging its progress; when that cannot be built, the minimal one (ipykernel only),
 * saying why. Later starts find it built and reuse it. Returns null when not needed.
 */
export async function ensureDefaultEnvironment(
  envs: EnvironmentService,
  options: EnsureDefaultOptions,
): Promise<Environment | null> {
  const { log } = options;
  const requirements = options.requirements?.length ? options.requirements : DEFAULT_REQUIREMENTS;
  const all = await envs.list();
  const existing = all.find((e) => e.name === DEFAULT_ENVIRONMENT_NAME);
  const usable = options.hasUsableKernelspec ?? (async () => (await envs.kernelspecs()).length > 0);
  if (existing && (await envs.kernelspec(existing.id))) return existing;
  if (!existing && (await usable())) return null;

  const env = await buildNamed(envs, log, existing, DEFAULT_ENVIRONMENT_NAME, requirements);
  if (env?.status === "ready") return env;
  const minimal = requirements.length === 1 && requirements[0] === "ipykernel";
  if (minimal) return env;
  log.warn(
    { environmentId: env?.id, error: env?.error },
    `default environment: "${DEFAULT_ENVIRONMENT_NAME}" (${requirements.join(", ")}) could not be built; ` +
      `falling back to "${MINIMAL_ENVIRONMENT_NAME}" (ipykernel only). Rebuild it later with ` +
      `\`tandem envs build ${env?.id}\` or from the Environments page; why: ${env?.error ?? "unknown"}`,
  );
  const fallback = all.find((e) => e.name === MINIMAL_ENVIRONMENT_NAME);
  if (fallback && (await envs.kernelspec(fallback.id))) return fallback;
  return buildNamed(envs, log, fallback, MINIMAL_ENVIRONMENT_NAME, ["ipykernel"]);
}

/** Builds (or rebuilds) one named environment, its log in the server's log; the environment as it ended. */
async function buildNamed(
  envs: EnvironmentService,
  log: Logger,
  existing: Environment | undefined,
  name: string,
  requirements: string[],
): Promise<Environment | null> {
  let env: Environment | null;
  if (existing) {
    log.info({ environmentId: existing.id }, `default environment: rebuilding "${name}"`);
    env = await envs.build(existing.id);
  } else {
    log.info(
      `default environment: none usable found; creating "${name}" with ${requirements.join(", ")} (first start only)`,
    );
    env = await envs.create({ name, python: "3", requirements }, null);
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
    log.warn({ environmentId: id, error: env?.error }, `default environment "${name}" could not be built`);
    return env;
  }
  log.info({ environmentId: id, identity: env.identity, kernelspec: env.kernelspec }, "default environment ready");
  return env;
}
