import "katex/dist/katex.min.css";
import { useParams } from "@solidjs/router";
import { createResource, onCleanup, Show } from "solid-js";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { api } from "../lib/api.ts";
import { connectNotebook } from "../notebook/connection.ts";
import { NotebookView } from "../notebook/NotebookView.tsx";

/** `/s/<token>`: a read-only, live view of a shared notebook. Nothing here can edit or run. */
export function SharePage() {
  const params = useParams<{ token: string }>();
  const [shared] = createResource(() => params.token, (token) => api.sharedNotebook(token));
  return (
    <div class="notebook-page share-page">
      <ErrorNote error={shared.error ? `This share link does not work: ${messageOf(shared.error)}` : null} />
      <Show when={shared()} keyed>
        {(s) => {
          const conn = connectNotebook(s.notebookId, { shareToken: params.token });
          onCleanup(() => conn.destroy());
          return (
            <NotebookView
              notebookId={s.notebookId}
              conn={conn}
              readOnly
              me={{ name: "Guest" }}
              title={
                <h1 class="nb-name">
                  <span class="brand-mark" aria-hidden="true" /> {s.name}
                </h1>
              }
            />
          );
        }}
      </Show>
    </div>
  );
}
