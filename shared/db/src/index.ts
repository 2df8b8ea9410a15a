export {
  type Database,
  type DatabaseChannel,
  type DatabaseOptions,
  type Db,
  openDatabase,
  type Schema,
} from "./client.ts";
export { runMigrations } from "./migrate.ts";
export * as schema from "./schema/index.ts";
export type { ServedVersion } from "./schema/serving.ts";
