import { type Db, schema } from "@tandem/db";
import { and, desc, eq } from "drizzle-orm";

const { collabVersions: versions } = schema;

export type VersionRow = typeof versions.$inferSelect;
export type VersionInfo = Omit<VersionRow, "snapshot">;

const info = {
  id: versions.id,
  notebookId: versions.notebookId,
  name: versions.name,
  epoch: versions.epoch,
  createdBy: versions.createdBy,
  createdAt: versions.createdAt,
};

/** Named snapshots of a notebook's document. */
export class Versions {
  constructor(private readonly db: Db) {}

  async insert(
    notebookId: string,
    name: string,
    epoch: number,
    snapshot: Uint8Array,
    createdBy: string | null,
  ): Promise<VersionInfo> {
    const [row] = await this.db
      .insert(versions)
      .values({ notebookId, name, epoch, snapshot, createdBy })
      .returning(info);
    return row!;
  }

  list(notebookId: string): Promise<VersionInfo[]> {
    return this.db
      .select(info)
      .from(versions)
      .where(eq(versions.notebookId, notebookId))
      .orderBy(desc(versions.createdAt));
  }

  async get(notebookId: string, versionId: string): Promise<VersionRow | null> {
    const [row] = await this.db
      .select()
      .from(versions)
      .where(and(eq(versions.id, versionId), eq(versions.notebookId, notebookId)))
      .limit(1);
    return row ?? null;
  }
}
