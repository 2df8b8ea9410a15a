import { createResource, createSignal, For, Show } from "solid-js";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { api } from "../lib/api.ts";
import { formatDate } from "../lib/format.ts";

/** Read-only share links of a notebook: create (optionally expiring; the URL is shown once), revoke. */
export function SharePanel(props: { notebookId: string; canManage: boolean }) {
  const [links, { refetch }] = createResource(
    () => (props.canManage ? props.notebookId : null),
    (id) => api.shareLinks(id),
  );
  const [error, setError] = createSignal<string | null>(null);
  const [created, setCreated] = createSignal<string | null>(null);
  const [copied, setCopied] = createSignal(false);

  const create = async (e: SubmitEvent) => {
    e.preventDefault();
    const days = Number(new FormData(e.currentTarget as HTMLFormElement).get("days") ?? 0);
    setError(null);
    try {
      const link = await api.createShareLink(
        props.notebookId,
        days > 0 ? new Date(Date.now() + days * 86_400_000).toISOString() : undefined,
      );
      setCreated(new URL(link.url, location.origin).toString());
      setCopied(false);
      await refetch();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  const active = () => (links() ?? []).filter((l) => !l.revokedAt);

  return (
    <section class="side-panel" aria-labelledby="share-title">
      <h2 id="share-title">Share read-only</h2>
      <p class="muted small">Anyone with a link sees the notebook live, with its outputs, but cannot edit or run it.</p>
      <Show
        when={props.canManage}
        fallback={<p class="muted small">Editors of this project can create share links.</p>}
      >
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
      <Show when={created()}>
        {(url) => (
          <div class="notice notice-success stack-sm" role="status">
            <span>Link created. Copy it now: it is shown only once.</span>
            <input
              class="input input-sm mono"
              readOnly
              value={url()}
              aria-label="New share link"
              onFocus={(e) => e.currentTarget.select()}
            />
            <div class="inline-form">
              <button
                type="button"
                class="btn btn-sm"
                onClick={async () => {
                  await navigator.clipboard?.writeText(url()).catch(() => {});
                  setCopied(true);
                }}
              >
                {copied() ? "Copied" : "Copy link"}
              </button>
              <button type="button" class="btn btn-sm btn-ghost" onClick={() => setCreated(null)}>
                Done
              </button>
            </div>
          </div>
        )}
      </Show>
      <Show when={props.canManage}>
        <ul class="rows" aria-label="Share links">
          <For each={active()} fallback={<li class="muted small">No active links.</li>}>
            {(link) => (
              <li class="row row-wrap">
                <span class="mono">{link.prefix}…</span>
                <span class="muted small">
                  {formatDate(link.createdAt)} ·{" "}
                  {link.expiresAt ? `expires ${formatDate(link.expiresAt)}` : "no expiry"}
                </span>
                <span class="spacer" />
                <ConfirmButton
                  label="Revoke"
                  ariaLabel={`Revoke link ${link.prefix}`}
                  onConfirm={async () => {
                    try {
                      await api.revokeShareLink(props.notebookId, link.id);
                      await refetch();
                    } catch (err) {
                      setError(messageOf(err));
                    }
                  }}
                />
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  );
}
