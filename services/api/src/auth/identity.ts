import { type Db, schema } from "@tandem/db";
import { and, eq, gt, isNull, or } from "drizzle-orm";
import { digest } from "./secrets.ts";

export const SESSION_COOKIE = "tandem_session";

export interface Identity {
  user: { id: string; email: string; name: string; isAdmin: boolean };
  via: "session" | "token";
  /** The API token used, if any. */
  tokenId?: string;
  /** Set when the token reaches only one project. */
  projectScope: string | null;
  /** The session's stored digest, when signed in by cookie. */
  sessionId?: string;
  /** "kernel" for a kernel's token: it reaches only what notebook code needs (kernel-scope.ts). */
  kind: "personal" | "kernel";
  /** When the token or session expires (null: a token without expiry); open sockets close then. */
  expiresAt: Date | null;
}

/** Where a request may carry its credentials (headers, query, cookie), as in Jupyter. */
export interface Credentials {
  authorization?: string | null;
  cookie?: string | null;
  /** `?token=` from the URL. */
  queryToken?: string | null;
}

export function credentialsOf(headers: Headers, url: string): Credentials {
  return {
    authorization: headers.get("authorization"),
    cookie: headers.get("cookie"),
    queryToken: new URL(url, "http://x").searchParams.get("token"),
  };
}

export function bearerOf(creds: Credentials): string | null {
  const auth = creds.authorization?.trim();
  if (auth) {
    const [scheme, value] = auth.split(/\s+/, 2);
    // Jupyter clients send `token <t>`; everyone else `Bearer <t>`.
    if (value && /^(bearer|token)$/i.test(scheme ?? "")) return value;
  }
  return creds.queryToken || null;
}

export function cookieValue(cookieHeader: string | null | undefined, name: string): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return null;
}

/** Resolves who is asking, or null. Used by REST middleware and every WebSocket upgrade. */
export async function resolveIdentity(db: Db, creds: Credentials, now = new Date()): Promise<Identity | null> {
  const bearer = bearerOf(creds);
  if (bearer) return identityFromToken(db, bearer, now);
  const session = cookieValue(creds.cookie, SESSION_COOKIE);
  if (session) return identityFromSession(db, session, now);
  return null;
}

const userColumns = {
  id: schema.users.id,
  email: schema.users.email,
  name: schema.users.name,
  isAdmin: schema.users.isAdmin,
};

async function identityFromToken(db: Db, secret: string, now: Date): Promise<Identity | null> {
  const [row] = await db
    .select({
      user: userColumns,
      tokenId: schema.apiTokens.id,
      projectId: schema.apiTokens.projectId,
      kind: schema.apiTokens.kind,
      expiresAt: schema.apiTokens.expiresAt,
    })
    .from(schema.apiTokens)
    .innerJoin(schema.users, eq(schema.users.id, schema.apiTokens.userId))
    .where(
      and(
        eq(schema.apiTokens.tokenHash, digest(secret)),
        isNull(schema.apiTokens.revokedAt),
        or(isNull(schema.apiTokens.expiresAt), gt(schema.apiTokens.expiresAt, now)),
      ),
    )
    .limit(1);
  if (!row) return null;
  noteTokenUse(db, row.tokenId, now);
  return {
    user: row.user,
    via: "token",
    tokenId: row.tokenId,
    projectScope: row.projectId,
    kind: row.kind === "kernel" ? "kernel" : "personal",
    expiresAt: row.expiresAt,
  };
}

/** Tokens whose last use was written recently, and when. */
const lastUseWritten = new Map<string, number>();
const LAST_USE_RESOLUTION_MS = 60_000;

/**
 * Records a token's last use at most once a minute: best effort and off the request's path, so a
 * busy client (MLflow logging, a kernel) does not queue writes on one row.
 */
function noteTokenUse(db: Db, tokenId: string, now: Date) {
  const last = lastUseWritten.get(tokenId);
  if (last !== undefined && now.getTime() - last < LAST_USE_RESOLUTION_MS) return;
  if (lastUseWritten.size > 10_000) lastUseWritten.clear();
  lastUseWritten.set(tokenId, now.getTime());
  void db
    .update(schema.apiTokens)
    .set({ lastUsedAt: now })
    .where(eq(schema.apiTokens.id, tokenId))
    .catch(() => lastUseWritten.delete(tokenId));
}

async function identityFromSession(db: Db, secret: string, now: Date): Promise<Identity | null> {
  const sessionId = digest(secret);
  const [row] = await db
    .select({ user: userColumns, expiresAt: schema.sessions.expiresAt })
    .from(schema.sessions)
    .innerJoin(schema.users, eq(schema.users.id, schema.sessions.userId))
    .where(and(eq(schema.sessions.id, sessionId), gt(schema.sessions.expiresAt, now)))
    .limit(1);
  return row
    ? { user: row.user, via: "session", projectScope: null, sessionId, kind: "personal", expiresAt: row.expiresAt }
    : null;
}

/**
 * A credential's expiry now (it may have been renewed since it was resolved): null for none,
 * undefined when it is revoked, deleted or past `now`.
 */
export async function currentExpiry(db: Db, who: Identity, now: Date): Promise<Date | null | undefined> {
  if (who.tokenId) {
    const [row] = await db
      .select({ expiresAt: schema.apiTokens.expiresAt })
      .from(schema.apiTokens)
      .where(and(eq(schema.apiTokens.id, who.tokenId), isNull(schema.apiTokens.revokedAt)))
      .limit(1);
    if (!row) return undefined;
    return row.expiresAt && row.expiresAt <= now ? undefined : row.expiresAt;
  }
  if (!who.sessionId) return undefined;
  const [row] = await db
    .select({ expiresAt: schema.sessions.expiresAt })
    .from(schema.sessions)
    .where(and(eq(schema.sessions.id, who.sessionId), gt(schema.sessions.expiresAt, now)))
    .limit(1);
  return row?.expiresAt;
}
