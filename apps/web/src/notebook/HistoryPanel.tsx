import { createResource, createSignal, For, Show } from "solid-js";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { api, type Version } from "../lib/api.ts";
import { relativeTime } from "../lib/format.ts";
import { renderMarkdown } from "../lib/markdown.ts";
import { joinText, type Output } from "../lib/outputs.ts";
import { sanitizeHtml } from "../lib/sanitize.ts";
import { OutputView } from "./OutputArea.tsx";

interface IpynbCell {
  id?: string;
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
  execution_count?: number | null;
}

/** Named versions of a notebook: save one, look at one, restore one. */
export function HistoryPanel(props: { notebookId: string; canEdit: boolean }) {
  const [versions, { refetch }] = createResource(
    () => props.notebookId,
    (id) => api.versions(id),
  );
  const [error, setError] = createSignal<string | null>(null);
  const [viewing, setViewing] = createSignal<{ version: Version; cells: IpynbCell[] } | null>(null);

  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const name = String(new FormData(form).get("name") ?? "").trim();
    if (!name) return;
    setError(null);
    try {
      await api.createVersion(props.notebookId, name);
      form.reset();
      await refetch();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  const view = async (version: Version) => {
    setError(null);
    try {
      const found = await api.version(props.notebookId, version.id);
      setViewing({ version, cells: found.notebook.cells as IpynbCell[] });
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <section class="side-panel" aria-labelledby="history-title">
      <h2 id="history-title">Version history</h2>
      <Show when={props.canEdit}>
        <form class="inline-form" onSubmit={save}>
          <label class="sr-only" for="version-name">
            Version name
          </label>
          <input
            id="version-name"
            class="input input-sm"
            name="name"
            placeholder="Name this version"
            required
            maxLength={200}
          />
          <button type="submit" class="btn btn-sm btn-primary">
            Save version
          </button>
        </form>
      </Show>
      <ErrorNote error={error() ?? (versions.error ? messageOf(versions.error) : null)} />
      <ul class="rows" aria-label="Versions">
        <For each={versions()} fallback={<li class="muted small">No saved versions yet.</li>}>
          {(v) => (
            <li class="row row-wrap">
              <span class="row-title">{v.name}</span>
              <span class="muted small">{relativeTime(v.createdAt)}</span>
              <span class="spacer" />
              <button
                type="button"
                class="btn btn-sm"
                onClick={() => void view(v)}
                aria-label={`View version ${v.name}`}
              >
                View
              </button>
              <Show when={props.canEdit}>
                <ConfirmButton
                  label="Restore"
                  ariaLabel={`Restore version ${v.name}`}
                  confirmLabel="Replace the notebook"
                  onConfirm={async () => {
                    try {
                      await api.restoreVersion(props.notebookId, v.id);
                    } catch (err) {
                      setError(messageOf(err));
                    }
                  }}
                />
              </Show>
            </li>
          )}
        </For>
      </ul>
      <Show when={viewing()}>
        {(v) => (
          <section class="version-preview" aria-label={`Version ${v().version.name}`}>
            <div class="panel-head">
              <h3>{v().version.name}</h3>
              <button type="button" class="btn btn-sm btn-ghost" onClick={() => setViewing(null)}>
                Close
              </button>
            </div>
            <For each={v().cells}>
              {(cell) => (
                <div class={`preview-cell preview-${cell.cell_type}`}>
                  <Show
                    when={cell.cell_type === "markdown"}
                    fallback={<pre class="source-static">{joinText(cell.source)}</pre>}
                  >
                    <div class="markdown" innerHTML={sanitizeHtml(renderMarkdown(joinText(cell.source)))} />
                  </Show>
                  <For each={cell.outputs ?? []}>{(o) => <OutputView output={o} />}</For>
                </div>
              )}
            </For>
          </section>
        )}
      </Show>
    </section>
  );
}
