import { Show } from "solid-js";

export function ErrorNote(props: { error: string | null | undefined }) {
  return (
    <Show when={props.error}>
      <p class="notice notice-error" role="alert">
        {props.error}
      </p>
    </Show>
  );
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
