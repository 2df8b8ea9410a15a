import { createHash, randomBytes } from "node:crypto";
import { type Db, schema } from "@tandem/db";
import { and, desc, eq, gt, isNull, or } from "drizzle-orm";

const { shareLinks } = schema;
export const SHARE_TOKEN_PREFIX = "tdms_";

export type ShareLinkRow = typeof shareLinks.$inferSelect;

const digest = (token: string) => createHash("sha256").update(token).digest("hex");

export function isShareToken(token: string | null | undefined): token is string {
  return !!token && token.startsWith(SHARE_TOKEN_PREFIX);
}

/** Read-only share links: only the token's hash is stored; the token is shown once. */
export class ShareLinks {
  constructor(
    private readonly db: Db,
    /** What time it is (tests inject a clock to reach an expiry without waiting for it). */
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(
    notebookId: string,
    createdBy: string | null,
    expiresAt: Date | null,
  ): Promise<{ link: ShareLinkRow; token: string }> {
    const token = `${SHARE_TOKEN_PREFIX}${randomBytes(24).toString("base64url")}`;
    const [link] = await this.db
      .insert(shareLinks)
      .values({ notebookId, createdBy, expiresAt, tokenHash: digest(token), prefix: token.slice(0, 12) })
      .returning();
    return { link: link!, token };
  }

  list(notebookId: string): Promise<ShareLinkRow[]> {
    return this.db
      .select()
      .from(shareLinks)
      .where(eq(shareLinks.notebookId, notebookId))
      .orderBy(desc(shareLinks.createdAt));
  }

  async get(notebookId: string, linkId: string): Promise<ShareLinkRow | null> {
    const [row] = await this.db
      .select()
      .from(shareLinks)
      .where(and(eq(shareLinks.id, linkId), eq(shareLinks.notebookId, notebookId)))
      .limit(1);
    return row ?? null;
  }

  /** Marks a link revoked; answers the row, or null when there is no such link. */
  async revoke(notebookId: string, linkId: string): Promise<ShareLinkRow | null> {
    const [row] = await this.db
      .update(shareLinks)
      .set({ revokedAt: new Date() })
      .where(and(eq(shareLinks.id, linkId), eq(shareLinks.notebookId, notebookId), isNull(shareLinks.revokedAt)))
      .returning();
    return row ?? this.get(notebookId, linkId);
  }

  /** The live (unrevoked, unexpired) link a token belongs to, or null. */
  async resolve(token: string): Promise<ShareLinkRow | null> {
    if (!isShareToken(token)) return null;
    const [row] = await this.db
      .select()
      .from(shareLinks)
      .where(
        and(
          eq(shareLinks.tokenHash, digest(token)),
          isNull(shareLinks.revokedAt),
          or(isNull(shareLinks.expiresAt), gt(shareLinks.expiresAt, this.now())),
        ),
      )
      .limit(1);
    return row ?? null;
  }
}
