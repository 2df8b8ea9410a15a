import { A, useLocation, useNavigate } from "@solidjs/router";
import { createEffect, createSignal, type JSX, Match, onMount, Show, Switch } from "solid-js";
import { loadSession, signOut, user } from "../lib/session.ts";
import { Avatar } from "./Avatar.tsx";

const PUBLIC_PATHS = [/^\/signin$/, /^\/share\//];

/** The frame of every page: header with navigation and the signed-in person; guards private pages. */
export function AppShell(props: { children?: JSX.Element }) {
  const location = useLocation();
  const navigate = useNavigate();
  const [error, setError] = createSignal<string | null>(null);
  const isPublic = () => PUBLIC_PATHS.some((re) => re.test(location.pathname));

  onMount(() => {
    loadSession().catch((err: Error) => setError(err.message));
  });

  createEffect(() => {
    if (user() === null && !isPublic()) {
      const next = location.pathname + location.search;
      navigate(`/signin${next && next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`, { replace: true });
    }
  });

  return (
    <div class="app">
      <Show when={!location.pathname.startsWith("/share/")}>
        <header class="topbar">
          <A href="/" class="brand" aria-label="Tandem home">
            <span class="brand-mark" aria-hidden="true" />
            Tandem
          </A>
          <Show when={user()}>
            {(u) => (
              <nav class="topnav" aria-label="Main">
                <A href="/" end>
                  Projects
                </A>
                <A href="/environments">Environments</A>
                <A href="/tokens">API tokens</A>
                <span class="topnav-user">
                  <Avatar name={u().name} id={u().id} />
                  <span class="topnav-name">{u().name}</span>
                </span>
                <button
                  type="button"
                  class="btn btn-ghost"
                  onClick={async () => {
                    await signOut();
                    navigate("/signin");
                  }}
                >
                  Sign out
                </button>
              </nav>
            )}
          </Show>
        </header>
      </Show>
      <main class="page" id="main">
        <Switch>
          <Match when={error()}>
            <div class="notice notice-error" role="alert">
              {error()}
            </div>
          </Match>
          <Match when={isPublic() || user()}>{props.children}</Match>
          <Match when={user() === undefined}>
            <p class="muted loading" aria-live="polite">
              Loading…
            </p>
          </Match>
        </Switch>
      </main>
    </div>
  );
}
