import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{apps,services,shared}/*/test/**/*.test.ts", "test/{integration,compat,e2e}/**/*.test.ts"],
    globalSetup: ["test/harness/src/global-setup.ts"],
    pool: "forks",
    // Two cores: more workers only contend for them (and for Postgres).
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
