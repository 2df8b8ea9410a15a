import "katex/dist/katex.min.css";
import { A, useParams } from "@solidjs/router";
import { createResource, createSignal, Match, onCleanup, Show, Switch } from "solid-js";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { InlineRename } from "../components/InlineRename.tsx";
import { api } from "../lib/api.ts";
import { user } from "../lib/session.ts";
import { connectNotebook } from "../notebook/connection.ts";
import { HistoryPanel } from "../notebook/HistoryPanel.tsx";
import { NotebookView } from "../notebook/NotebookView.tsx";
import { SharePanel } from "../notebook/SharePanel.tsx";

type Panel = "share" | "history" | null;

export function NotebookPage() {
  const params = useParams<{ notebookId: string }>();
  const [info, { mutate }] = createResource(
    () => params.notebookId,
    async (id) => {
      const notebook = await api.notebook(id);
      const project = await api.project(notebook.projectId);
      return { notebook, project };
    },
  );
  const [panel, setPanel] = createSignal<Panel>(null);
  const [error, setError] = createSignal<string | null>(null);

  return (
    <div class="notebook-page">
      <ErrorNote error={error() ?? (info.error ? messageOf(info.error) : null)} />
      <Show when={info()} keyed>
        {({ notebook, project }) => {
          const conn = connectNotebook(notebook.id);
          onCleanup(() => conn.destroy());
          const canEdit = project.role !== "viewer";
          const toggle = (p: Panel) => setPanel(panel() === p ? null : p);
          return (
            <div class="notebook-layout" classList={{ "with-panel": !!panel() }}>
              <NotebookView
                notebookId={notebook.id}
                conn={conn}
                readOnly={!canEdit}
                me={{ id: user()?.id, name: user()?.name ?? "Me" }}
                title={
                  <>
                    <nav class="crumbs" aria-label="Breadcrumb">
                      <A href={`/projects/${project.id}`}>{project.name}</A>
                      <span aria-hidden="true">/</span>
                    </nav>
                    <h1 class="nb-name">
                      <InlineRename
                        value={notebook.name}
                        label="notebook"
                        canEdit={canEdit}
                        onSave={async (name) => {
                          try {
                            const updated = await api.renameNotebook(notebook.id, name);
                            mutate({ project, notebook: updated });
                          } catch (err) {
                            setError(messageOf(err));
                          }
                        }}
                      />
                    </h1>
                  </>
                }
                actions={
                  <>
                    <a class="btn btn-ghost" href={api.exportUrl(notebook.id)} download={`${notebook.name}.ipynb`}>
                      Export
                    </a>
                    <button type="button" class="btn" aria-pressed={panel() === "share"} onClick={() => toggle("share")}>
                      Share
                    </button>
                    <button type="button" class="btn" aria-pressed={panel() === "history"} onClick={() => toggle("history")}>
                      History
                    </button>
                  </>
                }
              />
              <Show when={panel()}>
                <aside class="notebook-side" aria-label={panel() === "share" ? "Sharing" : "History"}>
                  <Switch>
                    <Match when={panel() === "share"}>
                      <SharePanel notebookId={notebook.id} canManage={canEdit} />
                    </Match>
                    <Match when={panel() === "history"}>
                      <HistoryPanel notebookId={notebook.id} canEdit={canEdit} />
                    </Match>
                  </Switch>
                </aside>
              </Show>
            </div>
          );
        }}
      </Show>
    </div>
  );
}
