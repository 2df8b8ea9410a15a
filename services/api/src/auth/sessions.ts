import { type Db, schema } from "@tandem/db";
import { eq } from "drizzle-orm";
import { digest, newSecret } from "./secrets.ts";

export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

export async function createSession(db: Db, userId: string): Promise<{ secret: string; expiresAt: Date }> {
  const secret = newSecret("tds_");
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db.insert(schema.sessions).values({ id: digest(secret), userId, expiresAt });
  return { secret, expiresAt };
}

/** Ends a session; returns the ended row (its digest and user), if there was one. */
export async function deleteSession(db: Db, secret: string): Promise<{ id: string; userId: string } | null> {
  const [row] = await db
    .delete(schema.sessions)
    .where(eq(schema.sessions.id, digest(secret)))
    .returning({ id: schema.sessions.id, userId: schema.sessions.userId });
  return row ?? null;
}
