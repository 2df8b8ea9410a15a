import { For, Show } from "solid-js";

/** A two-column table of keys and values, sorted by key ("None." when empty). */
export function KeyValues(props: { label: string; values: Record<string, string> }) {
  return (
    <Show when={Object.keys(props.values).length} fallback={<p class="muted">None.</p>}>
      <table class="kv-table" aria-label={props.label}>
        <tbody>
          <For each={Object.entries(props.values).sort(([a], [b]) => a.localeCompare(b))}>
            {([k, v]) => (
              <tr>
                <th scope="row">{k}</th>
                <td class="mono">{v}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </Show>
  );
}
