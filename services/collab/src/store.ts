import { type Db, schema } from "@tandem/db";
import { and, asc, eq, gt, lte, sql } from "drizzle-orm";

const { collabDocuments: documents, collabUpdates: updates } = schema;

export interface StoredDocument {
  epoch: number;
  snapshot: Uint8Array;
  snapshotSeq: number;
  retired: Uint8Array | null;
  /** Log rows after the snapshot, in order. */
  updates: { seq: number; data: Uint8Array }[];
}

/** The notebook documents' tables: snapshot + append-only update log per epoch. */
export class DocumentStore {
  constructor(private readonly db: Db) {}

  async load(notebookId: string): Promise<StoredDocument | null> {
    const [row] = await this.db.select().from(documents).where(eq(documents.notebookId, notebookId)).limit(1);
    if (!row) return null;
    const rows = await this.db
      .select({ seq: updates.seq, data: updates.data })
      .from(updates)
      .where(and(eq(updates.notebookId, notebookId), eq(updates.epoch, row.epoch), gt(updates.seq, row.snapshotSeq)))
      .orderBy(asc(updates.seq));
    return {
      epoch: row.epoch,
      snapshot: row.snapshot,
      snapshotSeq: row.snapshotSeq,
      retired: row.retired,
      updates: rows,
    };
  }

  /** Creates the document row (epoch 1) unless one exists; answers whether it did. */
  async create(notebookId: string, snapshot: Uint8Array): Promise<boolean> {
    const rows = await this.db
      .insert(documents)
      .values({ notebookId, snapshot, epoch: 1 })
      .onConflictDoNothing()
      .returning({ epoch: documents.epoch });
    return rows.length > 0;
  }

  /** Appends one (possibly merged) update to the log; answers its sequence number. */
  async append(notebookId: string, epoch: number, data: Uint8Array): Promise<number> {
    const [row] = await this.db.insert(updates).values({ notebookId, epoch, data }).returning({ seq: updates.seq });
    return row!.seq;
  }

  /** Folds the log up to `uptoSeq` into `snapshot` (which must contain all of it). */
  async compact(notebookId: string, epoch: number, snapshot: Uint8Array, uptoSeq: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const done = await tx
        .update(documents)
        .set({ snapshot, snapshotSeq: uptoSeq, updatedAt: new Date() })
        .where(
          and(eq(documents.notebookId, notebookId), eq(documents.epoch, epoch), lte(documents.snapshotSeq, uptoSeq)),
        )
        .returning({ epoch: documents.epoch });
      if (done.length) {
        await tx.delete(updates).where(and(eq(updates.notebookId, notebookId), lte(updates.seq, uptoSeq)));
      }
    });
  }

  /**
   * Starts a new epoch holding `snapshot`; the old epoch's log is dropped and its state vector
   * joins `retired`. Answers the new epoch.
   */
  async replace(notebookId: string, snapshot: Uint8Array, retired: Uint8Array): Promise<number> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(documents)
        .values({ notebookId, snapshot, epoch: 1, retired })
        .onConflictDoUpdate({
          target: documents.notebookId,
          set: {
            snapshot,
            retired,
            epoch: sql`${documents.epoch} + 1`,
            snapshotSeq: 0,
            updatedAt: new Date(),
          },
        })
        .returning({ epoch: documents.epoch });
      await tx.delete(updates).where(eq(updates.notebookId, notebookId));
      return row!.epoch;
    });
  }
}
