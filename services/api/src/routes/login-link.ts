import { Hono } from "hono";
import { type Identity, resolveIdentity } from "../auth/identity.ts";
import type { ApiDeps, AppEnv } from "../context.ts";
import { startSession } from "./auth.ts";

const INVALID_LINK =
  "<!doctype html><title>Tandem</title><p>This login link is invalid or was revoked. Restart the server for a new one, or sign in.</p>";

/** Paths whose `?token=` is not a sign-in: the API and sockets take it per request, share pages hold a share token. */
const NOT_PAGES = ["/api/", "/collab/", "/assets/", "/share/", "/s/"];

/**
 * `?token=…` on any page signs the browser in, as Jupyter's `http://host:8888/?token=…` does: a valid
 * token starts a session cookie and the browser lands on the same page without the token in its address
 * bar. `/login?token=…&next=/path` is the URL printed at start-up.
 */
export function loginLinkRoutes({ db, config, clock }: ApiDeps) {
  const signIn = async (token: string): Promise<Identity | null> => {
    const who = await resolveIdentity(db, { queryToken: token }, clock?.());
    // Only a person's own unscoped token stands for them in a browser: a kernel's or a project-scoped
    // token becoming a full session would widen what it can do.
    return who && who.kind !== "kernel" && !who.projectScope ? who : null;
  };
  return new Hono<AppEnv>()
    .get("/login", async (c) => {
      const token = c.req.query("token");
      const next = c.req.query("next");
      const target = next?.startsWith("/") && !next.startsWith("//") ? next : "/";
      if (!token) return c.redirect(target, 302);
      const who = await signIn(token);
      if (!who) return c.html(INVALID_LINK, 401);
      await startSession(c, db, who.user.id, config.secureCookies);
      return c.redirect(target, 302);
    })
    .get("*", async (c, next) => {
      const token = c.req.query("token");
      if (!token || NOT_PAGES.some((p) => c.req.path.startsWith(p))) return next();
      const who = await signIn(token);
      if (!who) return c.html(INVALID_LINK, 401);
      await startSession(c, db, who.user.id, config.secureCookies);
      const url = new URL(c.req.url);
      url.searchParams.delete("token");
      return c.redirect(`${url.pathname}${url.search}`, 302);
    });
}
