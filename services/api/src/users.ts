import { type Db, schema } from "@tandem/db";
import type { User } from "@tandem/protocol";
import { eq, sql } from "drizzle-orm";

type UserRow = typeof schema.users.$inferSelect;

export function toUser(row: Pick<UserRow, "id" | "email" | "name" | "isAdmin" | "createdAt">): User {
  return { id: row.id, email: row.email, name: row.name, isAdmin: row.isAdmin, createdAt: row.createdAt.toISOString() };
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(schema.users)
    .where(eq(sql`lower(${schema.users.email})`, email.toLowerCase()))
    .limit(1);
  return row;
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(schema.users).where(eq(schema.users.id, id)).limit(1);
  return row;
}
