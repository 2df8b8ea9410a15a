import type { KernelInfo, KernelStatus } from "@tandem/notebook";

const LABELS: Record<KernelStatus, string> = {
  unknown: "No kernel",
  starting: "Starting",
  idle: "Idle",
  busy: "Busy",
  dead: "Dead",
  restarting: "Restarting",
  disconnected: "Disconnected",
};

/**
 * The notebook's kernel as every collaborator sees it: name and state (and why it died). Offline,
 * the last state seen is stale, so the badge says so rather than "Idle".
 */
export function KernelBadge(props: { kernel: KernelInfo; offline?: boolean }) {
  const label = () => (props.offline ? "Offline" : (LABELS[props.kernel.status] ?? props.kernel.status));
  const name = () => props.kernel.displayName ?? "Kernel";
  return (
    <span
      class={`kernel kernel-${props.offline ? "offline" : props.kernel.status}`}
      role="status"
      aria-label={`${name()}: ${label()}`}
      title={props.kernel.reason ?? `${name()}: ${label()}`}
    >
      <span class="kernel-dot" aria-hidden="true" />
      <span class="kernel-name">{props.kernel.displayName ? `${props.kernel.displayName} · ` : ""}</span>
      {label()}
    </span>
  );
}
