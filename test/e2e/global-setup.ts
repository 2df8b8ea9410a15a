import { ensureWebBuilt } from "./browser.ts";

/** Vitest global setup of the browser tests: builds apps/web/dist once, so no two files build it at once. */
export default function setup() {
  ensureWebBuilt();
}
