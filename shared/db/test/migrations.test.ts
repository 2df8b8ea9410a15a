import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@tandem/db";
import { createTestDatabase, type TestDatabase } from "@tandem/testkit";
import { sql } from "drizzle-orm";

const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
});

async function tables(db: Awaited<ReturnType<typeof openDatabase>>["db"]): Promise<string[]> {
  const rows = (await db.execute(
    sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
  )) as unknown as { rows?: { table_name: string }[] } & { table_name: string }[];
  return (rows.rows ?? rows).map((r) => r.table_name);
}

describe("migrations", () => {
  it("run on embedded PGlite, once", async () => {
    const database = await openDatabase({ dataDir: "memory://" });
    try {
      expect((await database.migrate()).length).toBeGreaterThan(0);
      expect(await database.migrate()).toEqual([]);
      expect(await tables(database.db)).toEqual(
        expect.arrayContaining(["users", "projects", "notebooks", "tandem_migrations"]),
      );
    } finally {
      await database.close();
    }
  });

  it("run on a real Postgres server, once, even when several servers migrate at the same moment", async () => {
    const target = await createTestDatabase();
    databases.push(target);
    const handles = await Promise.all([1, 2, 3].map(() => openDatabase({ url: target.url, maxConnections: 2 })));
    try {
      const applied = await Promise.all(handles.map((h) => h.migrate()));
      // Exactly one of them applied each migration; the others found nothing to do.
      expect(applied.flat().sort()).toEqual(applied.find((a) => a.length)!.sort());
      expect(await tables(handles[0]!.db)).toEqual(expect.arrayContaining(["users", "projects", "notebooks"]));
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
  });

  it("give the same schema on both", async () => {
    const target = await createTestDatabase();
    databases.push(target);
    const pg = await openDatabase({ url: target.url });
    const lite = await openDatabase({ dataDir: "memory://" });
    try {
      await Promise.all([pg.migrate(), lite.migrate()]);
      const columns = sql`select table_name, column_name, data_type, is_nullable from information_schema.columns
        where table_schema = 'public' order by 1, 2`;
      const a = (await pg.db.execute(columns)) as any;
      const b = (await lite.db.execute(columns)) as any;
      expect([...(b.rows ?? b)]).toEqual([...(a.rows ?? a)]);
    } finally {
      await Promise.all([pg.close(), lite.close()]);
    }
  });
});
