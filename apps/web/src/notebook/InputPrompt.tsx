import type { InputRequest } from "@tandem/notebook";
import { createSignal, Show } from "solid-js";

/**
 * A running cell's input() prompt: a field for the browser that ran the cell, a note for
 * everyone else (the kernel waits for that person).
 */
export function InputPrompt(props: {
  request: InputRequest;
  mine: boolean;
  onAnswer: (value: string) => Promise<void>;
}) {
  const [busy, setBusy] = createSignal(false);
  return (
    <Show
      when={props.mine}
      fallback={<p class="muted small input-wait">Waiting for input from whoever ran this cell…</p>}
    >
      <form
        class="input-prompt"
        onSubmit={async (e) => {
          e.preventDefault();
          const field = (e.currentTarget as HTMLFormElement).elements.namedItem("value") as HTMLInputElement;
          setBusy(true);
          try {
            await props.onAnswer(field.value);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label class="input-label">
          <span class="mono">{props.request.prompt || "Input:"}</span>
          <input
            class="input input-sm mono"
            name="value"
            type={props.request.password ? "password" : "text"}
            autocomplete="off"
            disabled={busy()}
            ref={(el) => queueMicrotask(() => el.focus())}
          />
        </label>
      </form>
    </Show>
  );
}
