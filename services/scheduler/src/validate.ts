import type { Nbformat } from "@tandem/notebook";
import type { SchedulerDeps } from "./context.ts";
import { invalid, noParametersCell } from "./errors.ts";
import { parameterProblems, parametersCell } from "./parameters.ts";

export interface RunInput {
  parameters: Record<string, unknown>;
  environmentId?: string | null;
  revision?: string | null;
}

/**
 * Refuses, before anything is queued, what would make a run fail at once: parameters the notebook
 * does not declare (or of the wrong type), any parameters for a notebook without a `parameters` cell, an unknown revision, a missing or failed environment.
 * The worker checks again at start (the notebook may change in between).
 */
export async function checkRunInput(d: SchedulerDeps, notebookId: string, input: RunInput): Promise<Nbformat> {
  let nb: Nbformat;
  if (input.revision) {
    const version = await d.collab.versions.get(notebookId, input.revision);
    if (!version) throw invalid(`The notebook has no version ${input.revision}`);
    nb = version.notebook;
  } else {
    nb = await d.collab.exportNotebook(notebookId);
  }
  if (Object.keys(input.parameters).length && !parametersCell(nb)) throw noParametersCell();
  const problems = parameterProblems(nb, input.parameters);
  if (problems.length) throw invalid(`Parameters do not match the notebook: ${problems.join("; ")}`);
  if (input.environmentId) {
    const env = await d.envs.get(input.environmentId);
    if (!env) throw invalid(`There is no environment ${input.environmentId}`);
    if (env.status === "failed") throw invalid(`The environment ${env.name} failed to build; fix it or pick another`);
  }
  return nb;
}
