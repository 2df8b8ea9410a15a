import { useNavigate, useSearchParams } from "@solidjs/router";
import { createEffect, createSignal, Show } from "solid-js";
import { ErrorNote, messageOf } from "../components/ErrorNote.tsx";
import { api } from "../lib/api.ts";
import { setUser, user } from "../lib/session.ts";
import { usePageTitle } from "../lib/title.ts";

export function SignInPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [mode, setMode] = createSignal<"signin" | "signup">("signin");
  usePageTitle(() => (mode() === "signin" ? "Sign in" : "Create account"));
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const next = () => {
    const n = typeof params.next === "string" ? params.next : "/";
    return n.startsWith("/") && !n.startsWith("//") ? n : "/";
  };

  createEffect(() => {
    if (user()) navigate(next(), { replace: true });
  });

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setBusy(true);
    setError(null);
    try {
      const me =
        mode() === "signin"
          ? await api.login(email, password)
          : await api.signup(email, String(form.get("name") ?? ""), password);
      setUser(me);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="auth-card" aria-labelledby="auth-title">
      <h1 id="auth-title">{mode() === "signin" ? "Sign in to Tandem" : "Create your account"}</h1>
      <form onSubmit={submit} class="stack">
        <Show when={mode() === "signup"}>
          <label class="field">
            <span>Name</span>
            <input class="input" name="name" autocomplete="name" required maxLength={200} />
          </label>
        </Show>
        <label class="field">
          <span>Email</span>
          <input class="input" name="email" type="email" autocomplete="email" required />
        </label>
        <label class="field">
          <span>Password</span>
          <input
            class="input"
            name="password"
            type="password"
            autocomplete={mode() === "signin" ? "current-password" : "new-password"}
            minLength={mode() === "signup" ? 8 : 1}
            required
          />
        </label>
        <ErrorNote error={error()} />
        <button class="btn btn-primary btn-block" type="submit" disabled={busy()}>
          {mode() === "signin" ? "Sign in" : "Create account"}
        </button>
      </form>
      <p class="muted auth-switch">
        {mode() === "signin" ? "New here? " : "Already have an account? "}
        <button
          type="button"
          class="btn-link"
          onClick={() => {
            setMode(mode() === "signin" ? "signup" : "signin");
            setError(null);
          }}
        >
          {mode() === "signin" ? "Create an account" : "Sign in"}
        </button>
      </p>
      <p class="muted small">Started the server yourself? Open the login link it printed.</p>
    </section>
  );
}
