import { createSignal, Show } from "solid-js";

/** A name that turns into a text field to rename it (Enter saves, Escape cancels). */
export function InlineRename(props: {
  value: string;
  label: string;
  canEdit: boolean;
  onSave: (name: string) => Promise<void>;
  class?: string;
}) {
  const [editing, setEditing] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  let input!: HTMLInputElement;

  const save = async () => {
    const name = input.value.trim();
    if (!name || name === props.value) return setEditing(false);
    setBusy(true);
    try {
      await props.onSave(name);
      setEditing(false);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Show
      when={editing()}
      fallback={
        <span class={`rename ${props.class ?? ""}`}>
          <span class="rename-value">{props.value}</span>
          <Show when={props.canEdit}>
            <button
              type="button"
              class="btn btn-icon"
              aria-label={`Rename ${props.label}`}
              title="Rename"
              onClick={() => setEditing(true)}
            >
              ✎
            </button>
          </Show>
        </span>
      }
    >
      <form
        class="rename-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <input
          ref={(el) => {
            input = el;
            queueMicrotask(() => {
              el.focus();
              el.select();
            });
          }}
          class="input"
          aria-label={`New name for ${props.label}`}
          value={props.value}
          disabled={busy()}
          onKeyDown={(e) => {
            if (e.key === "Escape") setEditing(false);
          }}
          onBlur={() => void save()}
          maxLength={200}
        />
      </form>
    </Show>
  );
}
