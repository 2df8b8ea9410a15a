import {
  bigint,
  bigserial,
  customType,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { notebooks, users } from "./core.ts";

/** Binary Yjs data (updates, snapshots, state vectors). postgres-js gives Buffers, PGlite Uint8Arrays. */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
  toDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)),
  fromDriver: (v) => v,
});

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

/**
 * One row per notebook document: its epoch and the last compacted snapshot. A document that is
 * replaced (import over it, restore) starts a new epoch; `retired` is the merged state vector of
 * every earlier epoch, so a client still holding old history is recognised and told to reload.
 */
export const collabDocuments = pgTable("collab_documents", {
  notebookId: uuid("notebook_id")
    .primaryKey()
    .references(() => notebooks.id, { onDelete: "cascade" }),
  epoch: integer("epoch").notNull().default(1),
  /** Yjs update holding the whole document as of `snapshotSeq` (every log row <= it is folded in). */
  snapshot: bytea("snapshot").notNull(),
  snapshotSeq: bigint("snapshot_seq", { mode: "number" }).notNull().default(0),
  retired: bytea("retired"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** The update log: every accepted update, appended before it is broadcast. */
export const collabUpdates = pgTable(
  "collab_updates",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    notebookId: uuid("notebook_id")
      .notNull()
      .references(() => notebooks.id, { onDelete: "cascade" }),
    epoch: integer("epoch").notNull(),
    data: bytea("data").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("collab_updates_notebook_seq_idx").on(t.notebookId, t.seq)],
);

/** Named snapshots of a notebook (Yjs state), listed, viewed and restored through the API. */
export const collabVersions = pgTable(
  "collab_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    notebookId: uuid("notebook_id")
      .notNull()
      .references(() => notebooks.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    epoch: integer("epoch").notNull(),
    snapshot: bytea("snapshot").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [index("collab_versions_notebook_idx").on(t.notebookId, t.createdAt)],
);

/** Read-only share links. Only the SHA-256 of the token is kept. */
export const shareLinks = pgTable(
  "share_links",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    notebookId: uuid("notebook_id")
      .notNull()
      .references(() => notebooks.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    prefix: text("prefix").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("share_links_token_hash_key").on(t.tokenHash),
    index("share_links_notebook_idx").on(t.notebookId),
  ],
);
