import { type Db, schema } from "@tandem/db";
import type { ApiToken, CreatedToken } from "@tandem/protocol";
import { and, desc, eq, isNull } from "drizzle-orm";
import { digest, newSecret } from "./secrets.ts";

type TokenRow = typeof schema.apiTokens.$inferSelect;

export function toApiToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    projectId: row.projectId,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}

export interface NewToken {
  userId: string;
  name: string;
  expiresAt?: Date | null;
  projectId?: string | null;
  /** A fixed secret (TANDEM_TOKEN); otherwise a random one is made. */
  secret?: string;
  /** "kernel" for a kernel's token (narrow scope, see kernel-scope.ts); default "personal". */
  kind?: TokenKind;
  /** For kernel tokens: the server issuing it. */
  issuer?: string;
}

export type TokenKind = "personal" | "kernel";

export async function createToken(db: Db, t: NewToken): Promise<CreatedToken> {
  const secret = t.secret ?? newSecret();
  const [row] = await db
    .insert(schema.apiTokens)
    .values({
      userId: t.userId,
      name: t.name,
      tokenHash: digest(secret),
      prefix: secret.slice(0, 8),
      projectId: t.projectId ?? null,
      expiresAt: t.expiresAt ?? null,
      kind: t.kind ?? "personal",
      issuer: t.issuer ?? null,
    })
    .returning();
  return { ...toApiToken(row!), token: secret };
}

/** A person's live tokens of one kind: their own by default; kernels' tokens are the kernels', revoked with them. */
export async function listTokens(
  db: Db,
  userId: string,
  kind: "personal" | "kernel" = "personal",
): Promise<ApiToken[]> {
  const rows = await db
    .select()
    .from(schema.apiTokens)
    .where(
      and(eq(schema.apiTokens.userId, userId), eq(schema.apiTokens.kind, kind), isNull(schema.apiTokens.revokedAt)),
    )
    .orderBy(desc(schema.apiTokens.createdAt));
  return rows.map(toApiToken);
}

/** Revocation takes effect on the next request: identity is looked up every time, never cached. */
export async function revokeToken(db: Db, userId: string, tokenId: string): Promise<boolean> {
  const rows = await db
    .update(schema.apiTokens)
    .set({ revokedAt: new Date() })
    .where(
      and(eq(schema.apiTokens.id, tokenId), eq(schema.apiTokens.userId, userId), isNull(schema.apiTokens.revokedAt)),
    )
    .returning({ id: schema.apiTokens.id });
  return rows.length > 0;
}
