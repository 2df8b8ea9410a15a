import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    pool: "forks",
    // Two cores: more workers only contend for them (and for Postgres).
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "services",
          include: ["{apps,services,shared}/*/test/**/*.test.ts", "test/{integration,compat}/**/*.test.ts"],
          globalSetup: ["test/harness/src/global-setup.ts"],
        },
      },
      {
        // The browser tests: apps/web/dist is built once here, before any of their files start
        // (a global setup runs only when the run has a file of its project).
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/harness/src/global-setup.ts", "test/e2e/global-setup.ts"],
        },
      },
    ],
  },
});
