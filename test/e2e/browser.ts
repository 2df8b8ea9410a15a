import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@tandem/testkit";
import { type Browser, type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.TANDEM_CHROMIUM ?? "/usr/bin/chromium";
export const WEB_DIST = join(repoRoot, "apps/web/dist");

/** Builds apps/web when its dist is missing or stale (the same check `npm start` makes); the e2e global setup calls it. */
export function ensureWebBuilt(): void {
  execFileSync(process.execPath, [join(repoRoot, "apps/web/scripts/build-if-stale.mjs")], { stdio: "inherit" });
  if (!existsSync(join(WEB_DIST, "index.html"))) throw new Error(`the web app did not build into ${WEB_DIST}`);
}

/** Debian's Chromium, headless. Fails (never skips) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error("install chromium: apt-get install chromium (or bash scripts/setup-test-env.sh)");
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** A browser context signed in with a session cookie (`tandem_session=…`). */
export async function signedInContext(browser: Browser, baseUrl: string, cookie: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1366, height: 800 } });
  const [name, ...rest] = cookie.split("=");
  await context.addCookies([{ name: name!, value: rest.join("="), url: baseUrl, httpOnly: true, sameSite: "Lax" }]);
  return context;
}
