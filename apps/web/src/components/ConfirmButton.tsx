import { createSignal, type JSX, Show } from "solid-js";

/** A destructive action that asks once more in place (no modal, no layout jump). */
export function ConfirmButton(props: {
  label: string;
  confirmLabel?: string;
  ariaLabel?: string;
  onConfirm: () => Promise<void> | void;
  children?: JSX.Element;
}) {
  const [asking, setAsking] = createSignal(false);
  return (
    <Show
      when={asking()}
      fallback={
        <button
          type="button"
          class="btn btn-ghost btn-danger"
          aria-label={props.ariaLabel ?? props.label}
          onClick={() => setAsking(true)}
        >
          {props.children ?? props.label}
        </button>
      }
    >
      <span class="confirm">
        <button
          type="button"
          class="btn btn-danger-solid"
          ref={(el) => queueMicrotask(() => el.focus())}
          onClick={async () => {
            await props.onConfirm();
            setAsking(false);
          }}
        >
          {props.confirmLabel ?? `Yes, ${props.label.toLowerCase()}`}
        </button>
        <button type="button" class="btn btn-ghost" onClick={() => setAsking(false)}>
          Cancel
        </button>
      </span>
    </Show>
  );
}
