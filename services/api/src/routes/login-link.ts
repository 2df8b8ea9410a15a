import { Hono } from "hono";
import { resolveIdentity } from "../auth/identity.ts";
import type { ApiDeps, AppEnv } from "../context.ts";
import { startSession } from "./auth.ts";

/**
 * `GET /login?token=…` — the URL printed at start-up, as Jupyter does: a valid token signs the
 * browser in with a session cookie and lands on the app without the token in its address bar.
 */
export function loginLinkRoutes({ db, config, clock }: ApiDeps) {
  return new Hono<AppEnv>().get("/login", async (c) => {
    const token = c.req.query("token");
    const next = c.req.query("next");
    const target = next?.startsWith("/") && !next.startsWith("//") ? next : "/";
    if (!token) return c.redirect(target, 302);
    const who = await resolveIdentity(db, { queryToken: token }, clock?.());
    if (!who) {
      return c.html(
        "<!doctype html><title>Tandem</title><p>This login link is invalid or was revoked. Restart the server for a new one, or sign in.</p>",
        401,
      );
    }
    await startSession(c, db, who.user.id, config.secureCookies);
    return c.redirect(target, 302);
  });
}
