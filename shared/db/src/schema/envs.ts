import { bigint, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./core.ts";

/**
 * Environments are global (every signed-in user sees them; editors of any project create them).
 * A row is one immutable version of a spec: editing a spec makes a new row with the next version.
 * Rows with the same `identity` share one built directory (content-addressed by the lock).
 */
export const environments = pgTable(
  "environments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    version: integer("version").notNull(),
    /** The spec as submitted (name, python, requirements, indexes, gpu, base). */
    spec: jsonb("spec").notNull(),
    /** queued | resolving | building | ready | failed */
    status: text("status").notNull().default("queued"),
    /** Hash of lock + Python version + platform; also the directory name. Null until resolved. */
    identity: text("identity"),
    /** The resolved lock: exact versions, hashes, index of origin, interpreter, base packages. */
    lock: jsonb("lock"),
    sizeBytes: bigint("size_bytes", { mode: "number" }),
    error: text("error"),
    /** The build log, stored when a build ends (live logs stream from memory while it runs). */
    log: text("log").notNull().default(""),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    builtAt: timestamp("built_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("environments_name_version_key").on(t.name, t.version),
    index("environments_identity_idx").on(t.identity),
  ],
);
