import { type Db, schema } from "@tandem/db";
import { and, eq, gt, inArray, isNull } from "drizzle-orm";
import { createToken, revokeToken } from "./tokens.ts";

/** How long a kernel token lives without renewal; renewed while its kernel lives. */
export const KERNEL_TOKEN_TTL_MS = 15 * 60 * 1000;

export interface KernelTokenOptions {
  /** This server (e.g. host and data dir): its earlier incarnation's tokens are revoked at start-up. */
  issuer: string;
  clock?: () => Date;
  ttlMs?: number;
}

/**
 * The tokens this server gives its kernels: kind "kernel" (narrow scope), expiring unless renewed,
 * and revoked when the kernel ends — or, after a crash, when this server starts again.
 */
export class KernelTokens {
  private readonly live = new Set<string>();
  private readonly clock: () => Date;
  private readonly ttlMs: number;
  private lastRenewal: number;

  constructor(
    private readonly db: Db,
    private readonly o: KernelTokenOptions,
  ) {
    this.clock = o.clock ?? (() => new Date());
    this.ttlMs = o.ttlMs ?? KERNEL_TOKEN_TTL_MS;
    this.lastRenewal = this.clock().getTime();
  }

  /** Revokes every kernel token this server issued before (its kernels died with it). */
  async revokePrevious(): Promise<number> {
    const rows = await this.db
      .update(schema.apiTokens)
      .set({ revokedAt: this.clock() })
      .where(
        and(
          eq(schema.apiTokens.kind, "kernel"),
          eq(schema.apiTokens.issuer, this.o.issuer),
          isNull(schema.apiTokens.revokedAt),
        ),
      )
      .returning({ id: schema.apiTokens.id });
    return rows.length;
  }

  async mint(req: { userId: string; projectId: string; name: string }) {
    const created = await createToken(this.db, {
      ...req,
      kind: "kernel",
      issuer: this.o.issuer,
      expiresAt: new Date(this.clock().getTime() + this.ttlMs),
    });
    this.live.add(created.id);
    return {
      id: created.id,
      token: created.token,
      revoke: async () => {
        this.live.delete(created.id);
        await revokeToken(this.db, req.userId, created.id);
      },
    };
  }

  /** Pushes live tokens' expiry forward once a third of their life has passed (call it often). */
  async renewIfDue(): Promise<boolean> {
    const now = this.clock().getTime();
    if (now - this.lastRenewal < this.ttlMs / 3) return false;
    this.lastRenewal = now;
    if (!this.live.size) return true;
    await this.db
      .update(schema.apiTokens)
      .set({ expiresAt: new Date(now + this.ttlMs) })
      // An expired token stays expired: a renewal that came too late (a stalled server) does not revive it.
      .where(
        and(
          inArray(schema.apiTokens.id, [...this.live]),
          isNull(schema.apiTokens.revokedAt),
          gt(schema.apiTokens.expiresAt, new Date(now)),
        ),
      );
    return true;
  }
}
