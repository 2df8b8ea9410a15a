// Declared dependencies, checked by `npm run lint`: every module a package imports, a workspace
// package (@tandem/*) or a third-party one, is in that package's own package.json. Resolving through
// node_modules' symlinks (preserveSymlinks) is what lets dependency-cruiser see @tandem/* as packages.
const base = require("./.dependency-cruiser.cjs");

module.exports = {
  forbidden: [
    {
      name: "declared-dependencies",
      comment: "Declare it in the importing package's package.json (dependencies, or devDependencies for tests).",
      severity: "error",
      from: { path: "^(apps|services|shared|test/harness)/" },
      to: { dependencyTypes: ["npm-no-pkg", "npm-unknown"] },
    },
  ],
  options: { ...base.options, preserveSymlinks: true },
};
