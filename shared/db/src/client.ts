import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { runMigrations } from "./migrate.ts";
import * as schema from "./schema/index.ts";

export type Schema = typeof schema;
/** The drizzle handle every service uses; the same type over postgres-js and PGlite. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: "postgres" | "pglite";
  /** Runs pending migrations (idempotent, safe with concurrent servers). */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
  /** Messages between the servers sharing a database (Postgres LISTEN/NOTIFY); absent on PGlite (one process). */
  channel?: DatabaseChannel;
}

export interface DatabaseChannel {
  publish(channel: string, payload: string): Promise<void>;
  /** Resolves once listening; returns the function that stops. */
  subscribe(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
}

export interface DatabaseOptions {
  /** A postgres:// URL selects a real server; otherwise PGlite keeps its data in `dataDir`. */
  url?: string;
  dataDir?: string;
  /** Connection pool size for a real server. */
  maxConnections?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres(options.url, options.maxConnections ?? 10);
  if (!options.dataDir) throw new Error("openDatabase needs a url or a dataDir");
  return openPglite(options.dataDir);
}

function openPostgres(url: string, max: number): Database {
  const client = postgres(url, { max, onnotice: () => {}, connect_timeout: 10 });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    db,
    kind: "postgres",
    migrate: () =>
      runMigrations(async (fn) => {
        await client.begin(async (tx) => fn((statement) => tx.unsafe(statement) as Promise<Record<string, unknown>[]>));
      }),
    close: () => client.end({ timeout: 5 }),
    channel: {
      publish: async (channel, payload) => {
        await client.notify(channel, payload);
      },
      subscribe: async (channel, onMessage) => {
        const { unlisten } = await client.listen(channel, onMessage);
        return unlisten;
      },
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  // `memory://` keeps an in-process database with nothing on disk (handy for tests).
  if (!dataDir.startsWith("memory://")) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    migrate: () =>
      runMigrations(async (fn) => {
        await client.transaction(async (tx) => {
          await fn(async (statement) => (await tx.query<Record<string, unknown>>(statement)).rows);
        });
      }),
    close: () => client.close(),
  };
}
