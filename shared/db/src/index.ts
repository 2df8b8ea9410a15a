export { openDatabase, type Database, type DatabaseOptions, type Db, type Schema } from "./client.ts";
export * as schema from "./schema/index.ts";
export { runMigrations } from "./migrate.ts";
