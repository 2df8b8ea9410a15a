import { assertPostgres } from "./postgres.ts";

/** Vitest global setup: fail the run at once, saying what to install, if Postgres is missing. */
export default async function setup() {
  await assertPostgres();
}
