import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** Runs statements inside one transaction; implemented by each driver. */
export type TransactionRunner = (
  fn: (exec: (statement: string) => Promise<Record<string, unknown>[]>) => Promise<void>,
) => Promise<void>;

const migrationsDir = fileURLToPath(new URL("../migrations/", import.meta.url));
// Any constant shared by every Tandem server: they serialise on it when starting together.
const MIGRATION_LOCK_KEY = 727_100_001;

interface Journal {
  entries: { idx: number; tag: string }[];
}

/**
 * Applies the drizzle-kit generated migrations that have not run yet, in one transaction
 * holding an advisory lock, so that two servers starting at once neither race nor half-apply.
 */
export async function runMigrations(inTransaction: TransactionRunner): Promise<string[]> {
  const journal = JSON.parse(await readFile(`${migrationsDir}meta/_journal.json`, "utf8")) as Journal;
  const applied: string[] = [];
  await inTransaction(async (exec) => {
    await exec(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await exec(
      "CREATE TABLE IF NOT EXISTS tandem_migrations (tag text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const done = new Set((await exec("SELECT tag FROM tandem_migrations")).map((r) => String(r.tag)));
    for (const { tag } of [...journal.entries].sort((a, b) => a.idx - b.idx)) {
      if (done.has(tag)) continue;
      const text = await readFile(`${migrationsDir}${tag}.sql`, "utf8");
      for (const statement of text.split("--> statement-breakpoint")) {
        if (statement.trim()) await exec(statement);
      }
      await exec(`INSERT INTO tandem_migrations (tag) VALUES ('${tag.replaceAll("'", "''")}')`);
      applied.push(tag);
    }
  });
  return applied;
}
