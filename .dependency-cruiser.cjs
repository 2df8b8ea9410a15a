// The package boundaries of ARCHITECTURE.md, checked by `npm run lint` (and so by CI).
// Each folder under apps/, services/ and shared/ is one package; packages import each other only
// through their `src/index.ts` face, in the direction drawn here.
const pkg = "^(apps|services|shared)/([^/]+)/";
const face = "^(apps|services|shared)/[^/]+/src/(index|browser|node)\\.ts$";

/** A rule forbidding imports from `from` to any service outside `allowed`. */
function serviceImports(from, allowed) {
  return {
    name: `${from}-imports`,
    comment: `services/${from} may import ${allowed.length ? allowed.join(", ") : "no other service"} (and shared/*)`,
    severity: "error",
    from: { path: `^services/${from}/` },
    to: { path: "^services/", pathNot: [`^services/(${[from, ...allowed].join("|")})/`] },
  };
}

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import cycles, within or between packages (type-only imports vanish at run time).",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "no-reach-into-src",
      comment: "Another package is imported through its face (@tandem/<name>), never a file of its src/.",
      severity: "error",
      from: { path: pkg },
      to: { path: pkg, pathNot: ["^$1/$2/", face] },
    },
    {
      name: "shared-is-a-leaf",
      comment: "shared/* imports no service, app or test code (its tests may use the testkit).",
      severity: "error",
      from: { path: "^shared/[^/]+/src/" },
      to: { path: "^(services|apps|test)/" },
    },
    {
      name: "web-imports-shared-only",
      comment: "The web app talks HTTP and WebSocket; it imports shared/* only.",
      severity: "error",
      from: { path: "^apps/web/" },
      to: { path: "^(services|apps/cli)/" },
    },
    {
      name: "cli-imports-protocol-and-server",
      comment: "The CLI is a client of the REST API; it loads services/server only for `tandem serve`.",
      severity: "error",
      from: { path: "^apps/cli/" },
      to: { path: "^(services/(?!server/)|apps/web/)" },
    },
    {
      name: "nothing-imports-apps",
      severity: "error",
      from: { path: "^(services|shared)/" },
      to: { path: "^apps/" },
    },
    {
      name: "nothing-imports-the-server",
      comment: "services/server is the composition root: only the CLI (serve) and the tests' harness start it.",
      severity: "error",
      from: { path: "^(services|shared)/", pathNot: "^services/server/" },
      to: { path: "^services/server/" },
    },
    serviceImports("api", ["collab", "kernels", "envs", "scheduler", "tracking", "serving", "projects", "launcher"]),
    serviceImports("scheduler", ["kernels", "envs", "tracking", "collab", "projects", "launcher"]),
    serviceImports("serving", ["tracking", "envs", "projects", "launcher"]),
    serviceImports("kernels", ["projects", "launcher"]),
    serviceImports("collab", ["projects"]),
    serviceImports("tracking", ["projects"]),
    serviceImports("envs", []),
    serviceImports("projects", []),
    serviceImports("launcher", []),
    {
      name: "src-not-to-tests",
      comment: "Production code never imports test code.",
      severity: "error",
      from: { path: "^(apps|services|shared)/[^/]+/src/" },
      to: { path: "(^test/|^(apps|services|shared)/[^/]+/test/)" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: {},
      // Vite's asset-URL imports (`umd:plotly?url`: apps/web/vite.config.ts's aliases) are URLs, not modules.
      to: { couldNotResolve: true, pathNot: "\\?url$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)dist/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json", ".d.ts"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
