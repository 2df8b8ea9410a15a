import { type Db, schema } from "@tandem/db";
import { eq } from "drizzle-orm";

type ProjectRow = typeof schema.projects.$inferSelect;
type NotebookRow = typeof schema.notebooks.$inferSelect;

/** Creates a project with its creator as owner (in one transaction). */
export async function createProject(db: Db, name: string, createdBy: string): Promise<ProjectRow> {
  return db.transaction(async (tx) => {
    const [p] = await tx.insert(schema.projects).values({ name, createdBy }).returning();
    await tx.insert(schema.projectMembers).values({ projectId: p!.id, userId: createdBy, role: "owner" });
    return p!;
  });
}

export interface NewNotebook {
  projectId: string;
  name: string;
  createdBy: string | null;
  /** "run" for a headless run's document. */
  kind?: "notebook" | "run";
}

/**
 * Inserts a notebook row and creates its document with `createDocument` (collab's); when that
 * fails the row goes too, so no notebook is left without a document.
 */
export async function createNotebook(
  db: Db,
  values: NewNotebook,
  createDocument: (notebookId: string) => Promise<unknown>,
): Promise<NotebookRow> {
  const [row] = await db.insert(schema.notebooks).values(values).returning();
  try {
    await createDocument(row!.id);
  } catch (err) {
    await db.delete(schema.notebooks).where(eq(schema.notebooks.id, row!.id));
    throw err;
  }
  return row!;
}
