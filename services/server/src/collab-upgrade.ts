import type { IncomingMessage } from "node:http";
import { credentialsOf, resolveIdentity } from "@tandem/api";
import { type Access, CloseCode, type Collab, isShareToken, type Refusal } from "@tandem/collab";
import type { Db } from "@tandem/db";
import { notebookRole } from "@tandem/projects";
import type { LiveAccess } from "./live-access.ts";
import { decodeSegment, headersOf, sameOrigin, type UpgradeHandler } from "./upgrade.ts";

const PATH = /^\/collab\/([^/?]+)\/?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `GET /collab/:notebookId`: authenticates the upgrade (cookie, bearer/`?token=`, or a share
 * link's token as `?share=` or `?token=`) and hands the socket to collab with the access found.
 * Refusals are close codes after the upgrade, since browsers cannot read an upgrade's HTTP status.
 */
export function collabUpgrade(db: Db, collab: Collab, live: LiveAccess, clock: () => Date): UpgradeHandler {
  return async (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = PATH.exec(url.pathname);
    if (!match) return false;
    const notebookId = decodeSegment(match[1]!);
    const access =
      notebookId === null
        ? { code: CloseCode.notFound, reason: "Notebook not found" }
        : await authorize(db, collab, live, notebookId, url, req, clock());
    collab.handleUpgrade(req, socket, head, access);
    return true;
  };
}

async function authorize(
  db: Db,
  collab: Collab,
  live: LiveAccess,
  notebookId: string,
  url: URL,
  req: IncomingMessage,
  now: Date,
): Promise<Access | Refusal> {
  if (!UUID.test(notebookId)) return { code: CloseCode.notFound, reason: "Notebook not found" };
  const queryToken = url.searchParams.get("token");
  const shareToken = url.searchParams.get("share") ?? (isShareToken(queryToken) ? queryToken : null);
  if (shareToken) {
    const link = await collab.shareLinks.resolve(shareToken);
    if (!link || link.notebookId !== notebookId) {
      return { code: CloseCode.forbidden, reason: "The share link is invalid, revoked or expired" };
    }
    return {
      notebookId,
      readOnly: true,
      user: { id: null, name: "Guest" },
      shareLinkId: link.id,
      expiresAt: link.expiresAt,
    };
  }
  const headers = headersOf(req);
  const creds = credentialsOf(headers, req.url ?? "/");
  const who = await resolveIdentity(db, creds, now);
  if (!who) {
    const sent = creds.authorization || creds.queryToken;
    return {
      code: CloseCode.unauthenticated,
      reason: sent ? "The API token is invalid, expired or revoked" : "Sign in or send a token",
    };
  }
  // A cookie rides along on any site's WebSocket; only our own pages may use it.
  // A kernel's token reads its notebook over REST; it never joins the live document.
  if (who.kind === "kernel") return { code: CloseCode.forbidden, reason: "A kernel's token cannot open notebooks" };
  if (who.via === "session" && !sameOrigin(headers)) {
    return { code: CloseCode.forbidden, reason: "Cross-site WebSocket refused" };
  }
  const role = await notebookRole(db, who, notebookId);
  if (!role) return { code: CloseCode.notFound, reason: "Notebook not found" };
  // Kept with the socket: revoking this credential or membership closes or narrows it at once.
  return live.grantCollab(
    { notebookId, readOnly: role === "viewer", user: { id: who.user.id, name: who.user.name } },
    who,
  );
}
