import "katex/dist/katex.min.css";
import { A, useParams } from "@solidjs/router";
import { createResource, createSignal, Match, Show, Switch } from "solid-js";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { InlineRename } from "../components/InlineRename.tsx";
import { api } from "../lib/api.ts";
import { isActive } from "../lib/jobs.ts";
import { findRunByDocument } from "../lib/runs.ts";
import { user } from "../lib/session.ts";
import { usePageTitle } from "../lib/title.ts";
import { useNotebookConnection } from "../notebook/connection.ts";
import { HistoryPanel } from "../notebook/HistoryPanel.tsx";
import { NotebookView } from "../notebook/NotebookView.tsx";
import { RunsPanel } from "../notebook/RunsPanel.tsx";
import { SharePanel } from "../notebook/SharePanel.tsx";

type Panel = "share" | "history" | "runs" | null;

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
  const [activeCell, setActiveCell] = createSignal<{ id: string | null; index: number }>({ id: null, index: -1 });
  // A run's own document (kind "run"): find which run it records, for the banner.
  const [recordOf] = createResource(
    () => {
      const n = info()?.notebook;
      return n?.kind === "run" ? n : null;
    },
    (n) => findRunByDocument(n.projectId, n.id).catch(() => null),
  );
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
          const isRun = i().notebook.kind === "run";
          const canEdit = i().project.role !== "viewer" && !isRun;
          return (
            <>
              <Show when={isRun}>
                <p class="banner run-record-banner" role="status">
                  <Show
                    when={recordOf()}
                    fallback={<>This is the record of a run: it is read-only, as the run left it.</>}
                  >
                    {(r) => (
                      <>
                        This is the record of run #{r().number} of {r().notebookName}: read-only.{" "}
                        <A href={`/runs/${r().id}`}>Open the run</A>
                      </>
                    )}
                  </Show>
                </p>
              </Show>
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
                      onActiveCell={(id, index) => setActiveCell({ id, index })}
                      showKernel={!isRun || (!!recordOf() && isActive(recordOf()!.status))}
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
                          <Show when={canEdit}>
                            <button
                              type="button"
                              class="btn"
                              aria-pressed={panel() === "runs"}
                              title="Run on the server with parameters, keep running, schedule"
                              onClick={() => toggle("runs")}
                            >
                              Run…
                            </button>
                            <A
                              class="btn btn-ghost"
                              href={`/projects/${i().project.id}/jobs?new=1&notebook=${props.notebookId}`}
                            >
                              Schedule…
                            </A>
                          </Show>
                          <Show when={!canEdit && !isRun}>
                            <button
                              type="button"
                              class="btn"
                              aria-pressed={panel() === "runs"}
                              onClick={() => toggle("runs")}
                            >
                              Runs
                            </button>
                          </Show>
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
                    aria-label={panel() === "share" ? "Sharing" : panel() === "runs" ? "Runs" : "History"}
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
                      <Match when={panel() === "runs"}>
                        <RunsPanel
                          notebookId={props.notebookId}
                          projectId={i().project.id}
                          canEdit={canEdit}
                          activeCellId={activeCell().id}
                          activeCellIndex={activeCell().index}
                        />
                      </Match>
                    </Switch>
                  </aside>
                </Show>
              </div>
            </>
          );
        }}
      </Show>
    </div>
  );
}
