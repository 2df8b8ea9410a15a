import { A, useNavigate } from "@solidjs/router";
import type { Project } from "@tandem/protocol";
import { createResource, createSignal, For, Show } from "solid-js";
import { api } from "../lib/api.ts";
import { relativeTime } from "../lib/format.ts";
import { ConfirmButton } from "./ConfirmButton.tsx";
import { ErrorNote, messageOf } from "./ErrorNote.tsx";
import { InlineRename } from "./InlineRename.tsx";

const baseName = (file: string) => file.replace(/\.ipynb$/i, "") || "Imported notebook";

export function NotebooksPanel(props: { project: Project }) {
  const navigate = useNavigate();
  const [notebooks, { refetch }] = createResource(
    () => props.project.id,
    (id) => api.notebooks(id),
  );
  const [error, setError] = createSignal<string | null>(null);
  const [status, setStatus] = createSignal<string | null>(null);
  const [dragging, setDragging] = createSignal(false);
  const canEdit = () => props.project.role !== "viewer";
  let fileInput!: HTMLInputElement;

  const importFiles = async (files: FileList | File[]) => {
    setError(null);
    for (const file of Array.from(files)) {
      if (!/\.ipynb$/i.test(file.name)) {
        setError(`${file.name} is not a .ipynb notebook`);
        continue;
      }
      setStatus(`Importing ${file.name}…`);
      try {
        await api.importNotebook(props.project.id, baseName(file.name), await file.text());
      } catch (err) {
        setError(`${file.name}: ${messageOf(err)}`);
      }
    }
    setStatus(null);
    await refetch();
  };

  const create = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const name = String(new FormData(form).get("name") ?? "").trim();
    if (!name) return;
    setError(null);
    try {
      const nb = await api.createNotebook(props.project.id, name);
      navigate(`/notebooks/${nb.id}`);
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <section
      class={`panel ${dragging() ? "panel-drop" : ""}`}
      aria-labelledby="notebooks-title"
      onDragOver={(e) => {
        if (!canEdit() || !e.dataTransfer?.types.includes("Files")) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        if (canEdit() && e.dataTransfer?.files.length) void importFiles(e.dataTransfer.files);
      }}
    >
      <div class="panel-head">
        <h2 id="notebooks-title">Notebooks</h2>
        <Show when={canEdit()}>
          <input
            ref={fileInput}
            type="file"
            accept=".ipynb,application/x-ipynb+json"
            multiple
            class="sr-only"
            id="import-file"
            aria-label="Import .ipynb files"
            onChange={(e) => {
              const files = e.currentTarget.files;
              if (files?.length) void importFiles(files).then(() => (fileInput.value = ""));
            }}
          />
          <button type="button" class="btn" onClick={() => fileInput.click()}>
            Import .ipynb
          </button>
        </Show>
      </div>
      <Show when={canEdit()}>
        <form class="inline-form" onSubmit={create}>
          <label class="sr-only" for="new-notebook">
            New notebook name
          </label>
          <input id="new-notebook" class="input" name="name" placeholder="New notebook name" required maxLength={200} />
          <button class="btn btn-primary" type="submit">
            New notebook
          </button>
        </form>
        <p class="muted small">…or drop .ipynb files here.</p>
      </Show>
      <ErrorNote error={error() ?? (notebooks.error ? messageOf(notebooks.error) : null)} />
      <p class="muted" role="status">
        {status()}
      </p>
      <Show when={notebooks()} fallback={<p class="muted">Loading notebooks…</p>}>
        <Show when={notebooks()!.length} fallback={<p class="muted">No notebooks yet.</p>}>
          <ul class="rows" aria-label="Notebooks">
            <For each={notebooks()}>
              {(nb) => (
                <li class="row">
                  <A href={`/notebooks/${nb.id}`} class="row-title">
                    {nb.name}
                  </A>
                  <span class="muted small">{relativeTime(nb.updatedAt)}</span>
                  <span class="spacer" />
                  <Show when={canEdit()}>
                    <InlineRename
                      value=""
                      label={`notebook ${nb.name}`}
                      canEdit
                      class="rename-compact"
                      onSave={async (name) => {
                        try {
                          await api.renameNotebook(nb.id, name);
                          await refetch();
                        } catch (err) {
                          setError(messageOf(err));
                        }
                      }}
                    />
                  </Show>
                  <a
                    class="btn btn-ghost"
                    href={api.exportUrl(nb.id)}
                    download={`${nb.name}.ipynb`}
                    aria-label={`Export ${nb.name} as .ipynb`}
                  >
                    Export
                  </a>
                  <Show when={canEdit()}>
                    <ConfirmButton
                      label="Delete"
                      ariaLabel={`Delete notebook ${nb.name}`}
                      onConfirm={async () => {
                        try {
                          await api.deleteNotebook(nb.id);
                          await refetch();
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
        </Show>
      </Show>
    </section>
  );
}
