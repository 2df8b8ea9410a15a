#!/usr/bin/env node
// Builds the web app (vite build) when apps/web/dist is missing or older than its sources.
// Used by `npm start` (prestart) and by the browser tests, so a fresh clone just works.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const webDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(webDir, "dist", "index.html");
const inputs = ["src", "index.html", "vite.config.ts", "package.json", "public"].map((p) => join(webDir, p));
const sharedDirs = ["protocol", "notebook"].map((p) => join(webDir, "..", "..", "shared", p, "src"));

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

export function isStale() {
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return [...inputs, ...sharedDirs].some((p) => newest(p) > builtAt);
}

export function buildIfStale({ quiet = false } = {}) {
  if (!isStale()) return false;
  if (!quiet) console.log("tandem: building the web app (apps/web/dist)…");
  const vite = join(webDir, "node_modules", ".bin", "vite");
  const bin = existsSync(vite) ? vite : join(webDir, "..", "..", "node_modules", ".bin", "vite");
  const res = spawnSync(bin, ["build", "--logLevel", quiet ? "error" : "warn"], { cwd: webDir, stdio: "inherit" });
  if (res.status !== 0) throw new Error(`vite build failed (exit ${res.status ?? res.signal})`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    buildIfStale();
  } catch (err) {
    console.error(String(err instanceof Error ? err.message : err));
    process.exit(1);
  }
}
