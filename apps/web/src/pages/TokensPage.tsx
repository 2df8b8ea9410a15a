import { createResource, createSignal, For, Show } from "solid-js";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { api } from "../lib/api.ts";
import { formatDate } from "../lib/format.ts";
import { usePageTitle } from "../lib/title.ts";

export function TokensPage() {
  usePageTitle(() => "API tokens");
  const [tokens, { refetch }] = createResource(() => api.tokens());
  const [secret, setSecret] = createSignal<{ name: string; token: string } | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [copied, setCopied] = createSignal(false);

  const create = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get("name") ?? "").trim();
    const days = Number(data.get("days") ?? 0);
    setError(null);
    try {
      const expiresAt = days > 0 ? new Date(Date.now() + days * 86_400_000).toISOString() : undefined;
      const created = await api.createToken(name, expiresAt);
      setSecret({ name: created.name, token: created.token });
      setCopied(false);
      form.reset();
      await refetch();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <section class="content" aria-labelledby="tokens-title">
      <div class="page-head">
        <h1 id="tokens-title">Personal API tokens</h1>
      </div>
      <p class="muted">
        Tokens let scripts, the <code>tandem</code> CLI and Jupyter clients act as you. Send one as{" "}
        <code>Authorization: Bearer …</code>.
      </p>
      <form class="inline-form" onSubmit={create}>
        <label class="field-inline">
          <span>Name</span>
          <input class="input" name="name" required maxLength={200} placeholder="e.g. laptop CLI" />
        </label>
        <label class="field-inline">
          <span>Expires</span>
          <select class="input" name="days">
            <option value="0">Never</option>
            <option value="7">In 7 days</option>
            <option value="30">In 30 days</option>
            <option value="90">In 90 days</option>
            <option value="365">In a year</option>
          </select>
        </label>
        <button class="btn btn-primary" type="submit">
          Create token
        </button>
      </form>
      <ErrorNote error={error()} />
      <Show when={secret()}>
        {(s) => (
          <div class="notice notice-success secret" role="status">
            <p>
              Token <strong>{s().name}</strong> created. Copy it now: it will not be shown again.
            </p>
            <div class="secret-row">
              <input
                class="input mono"
                readOnly
                value={s().token}
                aria-label="New token secret"
                onFocus={(e) => e.currentTarget.select()}
              />
              <button
                type="button"
                class="btn"
                onClick={async () => {
                  await navigator.clipboard?.writeText(s().token).catch(() => {});
                  setCopied(true);
                }}
              >
                {copied() ? "Copied" : "Copy"}
              </button>
              <button type="button" class="btn btn-ghost" onClick={() => setSecret(null)}>
                Done
              </button>
            </div>
          </div>
        )}
      </Show>
      <Show when={tokens()} fallback={<p class="muted">Loading tokens…</p>}>
        <Show when={tokens()!.length} fallback={<p class="muted">No tokens yet.</p>}>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              <For each={tokens()}>
                {(t) => (
                  <tr>
                    <td>{t.name}</td>
                    <td class="mono">{t.prefix}…</td>
                    <td>{formatDate(t.createdAt)}</td>
                    <td>{t.expiresAt ? formatDate(t.expiresAt) : "Never"}</td>
                    <td>{t.lastUsedAt ? formatDate(t.lastUsedAt) : "Never"}</td>
                    <td class="actions">
                      <ConfirmButton
                        label="Revoke"
                        ariaLabel={`Revoke token ${t.name}`}
                        onConfirm={async () => {
                          try {
                            await api.revokeToken(t.id);
                            await refetch();
                          } catch (err) {
                            setError(messageOf(err));
                          }
                        }}
                      />
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </Show>
      </Show>
    </section>
  );
}
