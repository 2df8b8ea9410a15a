import { invalid } from "./errors.ts";

/**
 * Artifacts may still be added to a finished run (a report written after training, as MLflow
 * allows), but never to a deleted one.
 */
export function assertArtifactWritable(row: { id: string; lifecycleStage: string }): void {
  if (row.lifecycleStage !== "active")
    throw invalid(`The run ${row.id} must be in the 'active' state. Current state is ${row.lifecycleStage}.`);
}
