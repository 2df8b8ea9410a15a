import type { NotebookRunStatus } from "@tandem/protocol";

const LABELS: Record<NotebookRunStatus, string> = {
  queued: "Queued",
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
  skipped: "Skipped",
};

/** A run's status as a coloured badge; the words carry the meaning, the colour only helps. */
export function RunStatusBadge(props: { status: NotebookRunStatus }) {
  return (
    <span class={`badge run-status run-status-${props.status}`} data-status={props.status}>
      {LABELS[props.status] ?? props.status}
    </span>
  );
}
