import { type Db, schema } from "@tandem/db";
import { and, eq, isNull } from "drizzle-orm";
import { digest } from "./auth/secrets.ts";
import { createToken } from "./auth/tokens.ts";
import { findUserByEmail } from "./users.ts";

export const ADMIN_EMAIL = "admin@localhost";
const LOGIN_TOKEN_NAME = "login link";

/**
 * Makes sure the admin account exists and returns a token for it: the fixed one given
 * (TANDEM_TOKEN, for automation) or, as Jupyter does, a fresh one each start that replaces
 * the previous start's.
 */
export async function bootstrapAdmin(db: Db, fixedToken?: string): Promise<{ userId: string; token: string }> {
  return db.transaction(async (tx) => {
    let admin = await findUserByEmail(tx as unknown as Db, ADMIN_EMAIL);
    if (!admin) {
      [admin] = await tx
        .insert(schema.users)
        .values({ email: ADMIN_EMAIL, name: "Admin", isAdmin: true })
        .onConflictDoNothing()
        .returning();
      admin ??= await findUserByEmail(tx as unknown as Db, ADMIN_EMAIL);
    }
    const userId = admin!.id;
    if (fixedToken) {
      const [existing] = await tx
        .select({ id: schema.apiTokens.id })
        .from(schema.apiTokens)
        .where(and(eq(schema.apiTokens.tokenHash, digest(fixedToken)), isNull(schema.apiTokens.revokedAt)))
        .limit(1);
      if (!existing) await createToken(tx as unknown as Db, { userId, name: "TANDEM_TOKEN", secret: fixedToken });
      return { userId, token: fixedToken };
    }
    await tx
      .update(schema.apiTokens)
      .set({ revokedAt: new Date() })
      .where(
        and(
          eq(schema.apiTokens.userId, userId),
          eq(schema.apiTokens.name, LOGIN_TOKEN_NAME),
          isNull(schema.apiTokens.revokedAt),
        ),
      );
    const created = await createToken(tx as unknown as Db, { userId, name: LOGIN_TOKEN_NAME });
    return { userId, token: created.token };
  });
}
