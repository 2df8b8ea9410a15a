import type { EnvironmentService } from "@tandem/envs";
import type { EnvironmentSpec } from "@tandem/protocol";
import type { ModelVersion, Tracking } from "@tandem/tracking";
import { ServingError } from "./errors.ts";
import { modelRequirements } from "./model-files.ts";

/**
 * The environment a version's replicas run in. A model trained in a Tandem environment runs in that
 * very environment (same lock, nothing to build); otherwise one is built from the model's own
 * requirements.txt and python_env.yaml, and reused by every deployment whose model needs the same.
 */
export async function environmentFor(
  envs: EnvironmentService,
  tracking: Tracking,
  v: ModelVersion,
  modelDir: string,
  options: { gpus: number; userId: string | null },
): Promise<string> {
  const lineage = await tracking.models.versions.lineage(v).catch(() => null);
  const trained = lineage?.environment?.id;
  if (trained && !options.gpus && (await envs.kernelspec(trained))) return trained;
  const { requirements, python } = await modelRequirements(modelDir);
  const requirementsTxt = `${requirements.join("\n")}\n`;
  const gpu = options.gpus ? { count: options.gpus } : undefined;
  const same = (spec: EnvironmentSpec) =>
    spec.requirementsTxt === requirementsTxt && spec.python === python && (spec.gpu?.count ?? 0) === options.gpus;
  const existing = (await envs.list()).find((e) => same(e.spec) && e.status !== "failed");
  const env =
    existing ??
    (await envs.create(
      { name: `serving ${v.name} v${v.version}`, python, requirements: [], requirementsTxt, ...(gpu ? { gpu } : {}) },
      options.userId,
    ));
  const built = await envs.settled(env.id);
  if (built?.status !== "ready")
    throw new ServingError(
      "build_failed",
      `The model's environment could not be built: ${built?.error ?? "the environment is gone"}`,
    );
  return env.id;
}
