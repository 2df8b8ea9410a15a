import type { KernelStatus } from "./doc.ts";

const LABELS: Record<KernelStatus, string> = {
  unknown: "No kernel",
  starting: "Starting",
  idle: "Idle",
  busy: "Busy",
  dead: "Dead",
  restarting: "Restarting",
  disconnected: "Disconnected",
};

export function KernelBadge(props: { status: KernelStatus }) {
  return (
    <span class={`kernel kernel-${props.status}`} role="status" aria-label={`Kernel: ${LABELS[props.status] ?? props.status}`}>
      <span class="kernel-dot" aria-hidden="true" />
      {LABELS[props.status] ?? props.status}
    </span>
  );
}
