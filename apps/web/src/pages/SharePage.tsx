import "katex/dist/katex.min.css";
import { useParams, useSearchParams } from "@solidjs/router";
import { Show } from "solid-js";
import { ErrorNote } from "../components/ErrorNote.tsx";
import { useNotebookConnection } from "../notebook/connection.ts";
import { NotebookView } from "../notebook/NotebookView.tsx";

/**
 * `/share/<notebookId>?token=<share token>` (where the API's short `/s/<token>` link lands): a
 * read-only, live view of the notebook with its outputs. Nothing here can edit or run.
 */
export function SharePage() {
  const params = useParams<{ notebookId: string }>();
  const [search] = useSearchParams();
  const token = () => (typeof search.token === "string" ? search.token : "");
  return (
    <div class="notebook-page share-page">
      <Show when={token()} fallback={<ErrorNote error="This share link is incomplete: it has no token." />}>
        <Show when={`${params.notebookId}|${token()}`} keyed>
          {(_key) => <SharedNotebook notebookId={params.notebookId} token={token()} />}
        </Show>
      </Show>
    </div>
  );
}

function SharedNotebook(props: { notebookId: string; token: string }) {
  const { conn } = useNotebookConnection(props.notebookId, { shareToken: props.token });
  return (
    <Show when={conn()} keyed>
      {(c) => (
        <NotebookView
          notebookId={props.notebookId}
          conn={c}
          readOnly
          me={{ name: "Guest" }}
          title={
            <p class="nb-name">
              <span class="brand-mark" aria-hidden="true" /> Shared notebook
            </p>
          }
        />
      )}
    </Show>
  );
}
