import { For, Show } from "solid-js";
import type { ParameterRow } from "../lib/jobs.ts";

/** Parameters as name / value rows; values are JSON (plain text is taken as a string). */
export function ParametersEditor(props: {
  rows: ParameterRow[];
  onChange: (rows: ParameterRow[]) => void;
  idPrefix: string;
}) {
  const set = (i: number, patch: Partial<ParameterRow>) =>
    props.onChange(props.rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset class="params-editor">
      <legend>Parameters</legend>
      <Show
        when={props.rows.length}
        fallback={<p class="muted small">No parameters: the notebook's defaults apply.</p>}
      >
        <div class="params-rows">
          <For each={props.rows}>
            {(row, i) => (
              <div class="params-row">
                <input
                  class="input input-sm mono"
                  aria-label={`Parameter ${i() + 1} name`}
                  placeholder="name"
                  value={row.key}
                  onInput={(e) => set(i(), { key: e.currentTarget.value })}
                  id={`${props.idPrefix}-key-${i()}`}
                />
                <span aria-hidden="true">=</span>
                <input
                  class="input input-sm mono"
                  aria-label={`Parameter ${i() + 1} value`}
                  placeholder='0.1, "text", [1, 2]'
                  value={row.value}
                  onInput={(e) => set(i(), { value: e.currentTarget.value })}
                />
                <button
                  type="button"
                  class="btn btn-icon btn-ghost"
                  aria-label={`Remove parameter ${row.key || i() + 1}`}
                  onClick={() => props.onChange(props.rows.filter((_, j) => j !== i()))}
                >
                  ✕
                </button>
              </div>
            )}
          </For>
        </div>
      </Show>
      <button
        type="button"
        class="btn btn-sm"
        onClick={() => {
          props.onChange([...props.rows, { key: "", value: "" }]);
          const next = props.rows.length;
          queueMicrotask(() => document.getElementById(`${props.idPrefix}-key-${next}`)?.focus());
        }}
      >
        + Add parameter
      </button>
      <p class="muted small">
        Values are JSON (<code>0.1</code>, <code>true</code>, <code>[1, 2]</code>, <code>"text"</code>); plain words are
        taken as text. They replace the notebook's <code>parameters</code> cell.
      </p>
    </fieldset>
  );
}
