import type { AppEnv } from "@tandem/api";
import type { Collab } from "@tandem/collab";
import type { Hono } from "hono";

/**
 * `/s/<token>`: the short address a share link is given as. It finds the link's notebook and
 * lands on the web app's read-only view, which connects with the same token.
 */
export function mountShareRedirect(app: Hono<AppEnv>, collab: Collab) {
  app.get("/s/:token", async (c) => {
    const token = c.req.param("token");
    const link = await collab.shareLinks.resolve(token);
    if (!link) {
      return c.html(
        "<!doctype html><title>Tandem</title><p>This share link is invalid, expired or was revoked.</p>",
        404,
      );
    }
    return c.redirect(`/share/${link.notebookId}?token=${encodeURIComponent(token)}`, 302);
  });
}
