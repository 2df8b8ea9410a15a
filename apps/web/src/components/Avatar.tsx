import { colorFor, initials } from "../lib/presence.ts";

export function Avatar(props: { name: string; id?: string; color?: string; size?: "sm" | "md"; title?: string }) {
  return (
    <span
      class={`avatar avatar-${props.size ?? "md"}`}
      style={{ background: props.color ?? colorFor(props.id ?? props.name) }}
      title={props.title ?? props.name}
      role="img"
      aria-label={props.title ?? props.name}
    >
      {initials(props.name)}
    </span>
  );
}
