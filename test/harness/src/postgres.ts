import { randomBytes } from "node:crypto";
import postgres from "postgres";

export const INSTALL_HINT =
  "Tests need a running PostgreSQL server. On Debian/Ubuntu run `bash scripts/setup-test-env.sh` " +
  "(installs Debian's `postgresql` and starts it), or point TEST_DATABASE_URL at a server whose role may CREATE DATABASE.";

/** A maintenance connection URL on a server where tests may create databases. */
export function adminDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? "postgres://postgres:postgres@127.0.0.1:5432/postgres";
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Fails (never skips) with what to install when Postgres cannot be reached. */
export async function assertPostgres(): Promise<void> {
  const sql = postgres(adminDatabaseUrl(), { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
  } catch (err) {
    throw new Error(`Cannot reach PostgreSQL at ${adminDatabaseUrl()}: ${(err as Error).message}\n${INSTALL_HINT}`);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tandem_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminDatabaseUrl(), { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } catch (err) {
    throw new Error(
      `Cannot create a test database at ${adminDatabaseUrl()}: ${(err as Error).message}\n${INSTALL_HINT}`,
    );
  } finally {
    await admin.end({ timeout: 1 });
  }
  return {
    url: withDatabase(adminDatabaseUrl(), name),
    name,
    async drop() {
      const sql = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await sql.end({ timeout: 1 });
      }
    },
  };
}
