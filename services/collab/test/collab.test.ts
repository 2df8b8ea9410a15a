import { type Database, openDatabase, schema } from "@tandem/db";
import { appendStream, cellOutputs, cellSource, setExecutionCount } from "@tandem/notebook";
import { fromNbformat } from "@tandem/notebook/node";
import { eq } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { createCollab } from "../src/index.ts";

// The embedded database `tandem serve` uses by default: the same code must work on it.
let database: Database;
let projectId: string;

beforeAll(async () => {
  database = await openDatabase({ dataDir: "memory://" });
  await database.migrate();
  const [project] = await database.db.insert(schema.projects).values({ name: "p" }).returning();
  projectId = project!.id;
});
afterAll(() => database?.close());

async function notebook(): Promise<string> {
  const [row] = await database.db.insert(schema.notebooks).values({ projectId, name: "nb" }).returning();
  return row!.id;
}

const log = pino({ level: "silent" });
const ipynb = (sources: string[]) => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: sources.map((source, i) => ({
    id: `c${i}`,
    cell_type: "code",
    source,
    metadata: {},
    outputs: [],
    execution_count: null,
  })),
});

describe("collab service on PGlite", () => {
  it("persists server-side edits through the log and compaction, and reloads them", async () => {
    const collab = createCollab({ db: database.db, log, compactEvery: 5, idleUnloadMs: 0 });
    const id = await notebook();
    await collab.createDocument(id, ipynb(["print(1)"]));
    const handle = await collab.open(id);
    for (let i = 0; i < 12; i++) appendStream(handle.doc, "c0", "stdout", `${i}\n`);
    setExecutionCount(handle.doc, "c0", 1);
    await handle.persisted();
    handle.release();
    await collab.close();

    // Compaction folded the log: fewer rows remain than edits were made.
    const rows = await database.db.select().from(schema.collabUpdates).where(eq(schema.collabUpdates.notebookId, id));
    expect(rows.length).toBeLessThan(13);

    const again = createCollab({ db: database.db, log });
    const nb = await again.exportNotebook(id);
    expect(nb.cells[0]).toMatchObject({
      execution_count: 1,
      outputs: [{ name: "stdout", text: Array.from({ length: 12 }, (_, i) => `${i}\n`).join("") }],
    });
    await again.close();
  });

  it("replaces a document under a new epoch; the old history is retired", async () => {
    const collab = createCollab({ db: database.db, log });
    const id = await notebook();
    await collab.createDocument(id, ipynb(["old"]));
    const before = await collab.open(id);
    const oldDoc = before.doc;
    expect(before.epoch).toBe(1);
    const { epoch } = await collab.replaceDocument(id, ipynb(["new a", "new b"]));
    expect(epoch).toBe(2);
    // The handle follows the room to the new document.
    expect(before.doc).not.toBe(oldDoc);
    expect(cellSource(before.doc, "c1")).toBe("new b");
    // Edits to the old document go nowhere.
    oldDoc.transact(() => oldDoc.getArray("cells").delete(0, 1));
    await before.persisted();
    before.release();
    expect((await collab.exportNotebook(id)).cells.map((c) => c.source)).toEqual(["new a", "new b"]);
    const [row] = await database.db
      .select()
      .from(schema.collabDocuments)
      .where(eq(schema.collabDocuments.notebookId, id));
    expect(row!.epoch).toBe(2);
    expect(row!.retired?.length).toBeGreaterThan(0);
    await collab.close();
  });

  it("saves and restores versions, and refuses invalid imports without touching the document", async () => {
    const collab = createCollab({ db: database.db, log });
    const id = await notebook();
    await collab.createDocument(id, ipynb(["v1"]));
    const version = await collab.versions.create(id, "first", null);
    const handle = await collab.open(id);
    appendStream(handle.doc, "c0", "stdout", "later\n");
    await handle.persisted();
    expect(cellOutputs(handle.doc, "c0")).toHaveLength(1);
    await expect(
      collab.replaceDocument(id, { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{}] }),
    ).rejects.toThrow(/cells\[0\]/);
    expect(cellOutputs(handle.doc, "c0")).toHaveLength(1);
    expect((await collab.versions.get(id, version.id))?.notebook.cells[0]).toMatchObject({ source: "v1", outputs: [] });
    expect(await collab.versions.restore(id, version.id)).toEqual({ epoch: 2 });
    expect(cellOutputs(handle.doc, "c0")).toEqual([]);
    handle.release();
    expect((await collab.versions.list(id)).map((v) => v.name)).toEqual(["first"]);
    await collab.close();
  });

  it("imports into a document that clients can merge with", async () => {
    const collab = createCollab({ db: database.db, log });
    const id = await notebook();
    await collab.createDocument(id, ipynb(["x"]));
    const handle = await collab.open(id);
    const client = new Y.Doc();
    Y.applyUpdate(client, Y.encodeStateAsUpdate(handle.doc));
    ((client.getArray("cells").get(0) as Y.Map<unknown>).get("source") as Y.Text).insert(1, "yz");
    Y.applyUpdate(handle.doc, Y.encodeStateAsUpdate(client, Y.encodeStateVector(handle.doc)));
    await handle.persisted();
    handle.release();
    expect(cellSource(fromNbformat(await collab.exportNotebook(id)), "c0")).toBe("xyz");
    await collab.close();
  });
});
