import { createResource, createSignal, For, Show } from "solid-js";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { api } from "../lib/api.ts";
import { formatDate } from "../lib/format.ts";

/** Read-only share links of a notebook: create (optionally expiring), copy, revoke. */
export function SharePanel(props: { notebookId: string; canManage: boolean }) {
  const [links, { refetch }] = createResource(() => props.notebookId, (id) => api.shareLinks(id));
  const [error, setError] = createSignal<string | null>(null);
  const [copied, setCopied] = createSignal<string | null>(null);
  const absolute = (url: string, token: string) => (url ? new URL(url, location.origin).toString() : `${location.origin}/s/${token}`);

  const create = async (e: SubmitEvent) => {
    e.preventDefault();
    const days = Number(new FormData(e.currentTarget as HTMLFormElement).get("days") ?? 0);
    setError(null);
    try {
      await api.createShareLink(props.notebookId, days > 0 ? new Date(Date.now() + days * 86_400_000).toISOString() : undefined);
      await refetch();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <div class="side-panel" aria-labelledby="share-title">
      <h2 id="share-title">Share read-only</h2>
      <p class="muted small">Anyone with a link sees the notebook live, with outputs, but cannot edit or run it.</p>
      <Show when={props.canManage}>
        <form class="inline-form" onSubmit={create}>
          <label class="field-inline">
            <span>Expires</span>
            <select class="input input-sm" name="days">
              <option value="0">Never</option>
              <option value="1">In a day</option>
              <option value="7">In 7 days</option>
              <option value="30">In 30 days</option>
            </select>
          </label>
          <button type="submit" class="btn btn-primary">
            Create link
          </button>
        </form>
      </Show>
      <ErrorNote error={error() ?? (links.error ? messageOf(links.error) : null)} />
      <ul class="rows" aria-label="Share links">
        <For each={links()} fallback={<li class="muted small">No links yet.</li>}>
          {(link) => (
            <li class="row row-wrap">
              <input class="input input-sm mono share-url" readOnly value={absolute(link.url, link.token)} aria-label="Share link" onFocus={(e) => e.currentTarget.select()} />
              <span class="muted small">{link.expiresAt ? `Expires ${formatDate(link.expiresAt)}` : "No expiry"}</span>
              <button
                type="button"
                class="btn btn-sm"
                onClick={async () => {
                  await navigator.clipboard?.writeText(absolute(link.url, link.token)).catch(() => {});
                  setCopied(link.id);
                }}
              >
                {copied() === link.id ? "Copied" : "Copy"}
              </button>
              <Show when={props.canManage}>
                <ConfirmButton
                  label="Revoke"
                  ariaLabel="Revoke this link"
                  onConfirm={async () => {
                    try {
                      await api.revokeShareLink(props.notebookId, link.id);
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
    </div>
  );
}
