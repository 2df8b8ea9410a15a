import "katex/dist/katex.min.css";
import { A, useParams } from "@solidjs/router";
import { createResource, createSignal, Match, Show, Switch } from "solid-js";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { InlineRename } from "../components/InlineRename.tsx";
import { api } from "../lib/api.ts";
import { user } from "../lib/session.ts";
import { usePageTitle } from "../lib/title.ts";
import { useNotebookConnection } from "../notebook/connection.ts";
import { HistoryPanel } from "../notebook/HistoryPanel.tsx";
import { NotebookView } from "../notebook/NotebookView.tsx";
import { SharePanel } from "../notebook/SharePanel.tsx";

type Panel = "share" | "history" | null;

export function NotebookPage() {
  const params = useParams<{ notebookId: string }>();
  return (
    <Show when={params.notebookId} keyed>
      {(id) => <NotebookRoom notebookId={id} />}
    </Show>
  );
}

/** One open notebook: its room connection lives as long as this component. */
function NotebookRoom(props: { notebookId: string }) {
  // Join the room at once, while the notebook's name and the caller's role load beside it.
  const { conn, reloads } = useNotebookConnection(props.notebookId);
  const [info, { mutate }] = createResource(async () => {
    const notebook = await api.notebook(props.notebookId);
    const project = await api.project(notebook.projectId);
    return { notebook, project };
  });
  const [panel, setPanel] = createSignal<Panel>(null);
  usePageTitle(() => info()?.notebook.name);
  const [error, setError] = createSignal<string | null>(null);
  const toggle = (p: Panel) => setPanel(panel() === p ? null : p);

  return (
    <div class="notebook-page">
      <ErrorNote error={error() ?? (info.error ? messageOf(info.error) : null)} />
      <Show when={reloads()}>
        <p class="banner banner-readonly" role="status">
          This notebook was replaced (a version was restored or a notebook imported over it); showing the new one.
        </p>
      </Show>
      <Show when={info()}>
        {(i) => {
          const canEdit = i().project.role !== "viewer";
          return (
            <div class="notebook-layout">
              <Show when={conn()} keyed>
                {(c) => (
                  <NotebookView
                    notebookId={props.notebookId}
                    conn={c}
                    onSaveVersion={() => {
                      setPanel("history");
                      queueMicrotask(() => document.getElementById("version-name")?.focus());
                    }}
                    readOnly={!canEdit}
                    me={{ id: user()?.id, name: user()?.name ?? "Me" }}
                    title={
                      <>
                        <nav class="crumbs" aria-label="Breadcrumb">
                          <A href={`/projects/${i().project.id}`}>{i().project.name}</A>
                          <span aria-hidden="true">/</span>
                        </nav>
                        <h1 class="nb-name">
                          <InlineRename
                            value={i().notebook.name}
                            label="notebook"
                            canEdit={canEdit}
                            onSave={async (name) => {
                              try {
                                const updated = await api.renameNotebook(props.notebookId, name);
                                mutate({ project: i().project, notebook: updated });
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
                        <a
                          class="btn btn-ghost"
                          href={api.exportUrl(props.notebookId)}
                          download={`${i().notebook.name}.ipynb`}
                        >
                          Export
                        </a>
                        <button
                          type="button"
                          class="btn"
                          aria-pressed={panel() === "share"}
                          onClick={() => toggle("share")}
                        >
                          Share
                        </button>
                        <button
                          type="button"
                          class="btn"
                          aria-pressed={panel() === "history"}
                          onClick={() => toggle("history")}
                        >
                          History
                        </button>
                      </>
                    }
                  />
                )}
              </Show>
              <Show when={panel()}>
                <aside
                  class="notebook-side"
                  aria-label={panel() === "share" ? "Sharing" : "History"}
                  onKeyDown={(e) => e.key === "Escape" && setPanel(null)}
                >
                  <button
                    type="button"
                    class="btn btn-icon btn-ghost panel-close"
                    aria-label="Close panel"
                    onClick={() => setPanel(null)}
                  >
                    ✕
                  </button>
                  <Switch>
                    <Match when={panel() === "share"}>
                      <SharePanel notebookId={props.notebookId} canManage={canEdit} />
                    </Match>
                    <Match when={panel() === "history"}>
                      <HistoryPanel notebookId={props.notebookId} canEdit={canEdit} />
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
