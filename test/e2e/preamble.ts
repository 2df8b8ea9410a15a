import { type Preamble, type PreambleOptions, startPreamble, type TestUser } from "@tandem/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchChromium, signedInContext, WEB_DIST } from "./browser.ts";

/**
 * A browser test file's whole set-up: the integration preamble (server serving apps/web/dist,
 * kernelspecs, users, a project) plus headless Chromium and signed-in pages. apps/web/dist itself is
 * built once by the e2e global setup.
 */
export interface BrowserPreambleOptions extends PreambleOptions {
  /** Each page's default timeout for waits and actions (ms). */
  pageTimeoutMs?: number;
}

export interface BrowserPreamble extends Preamble {
  browser: Browser;
  /** A new signed-in browser context of `user`, with one page opened at `path`. */
  openAs(user: TestUser, path: string): Promise<Page>;
}

export async function startBrowserPreamble(options: BrowserPreambleOptions = {}): Promise<BrowserPreamble> {
  const { pageTimeoutMs, ...rest } = options;
  const preamble = await startPreamble({ ...rest, env: { TANDEM_WEB_DIST: WEB_DIST, ...rest.env } });
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (err) {
    await preamble.close();
    throw err;
  }
  return {
    ...preamble,
    browser,
    async openAs(user, path) {
      const context = await signedInContext(browser, preamble.server.url, user.cookie);
      if (pageTimeoutMs) context.setDefaultTimeout(pageTimeoutMs);
      const page = await context.newPage();
      await page.goto(path);
      return page;
    },
    async close() {
      await browser.close();
      await preamble.close();
    },
  };
}

/**
 * Registers the file's beforeAll/afterAll for startBrowserPreamble, as usePreamble does for the
 * integration tests: `ready` receives it once up; the returned getter answers it too.
 */
export function useBrowserPreamble(
  options: BrowserPreambleOptions,
  ready?: (p: BrowserPreamble) => void | Promise<void>,
  timeoutMs = 180_000,
): () => BrowserPreamble {
  let preamble: BrowserPreamble | undefined;
  beforeAll(async () => {
    preamble = await startBrowserPreamble(options);
    await ready?.(preamble);
  }, timeoutMs);
  afterAll(() => preamble?.close());
  return () => {
    if (!preamble) throw new Error("the browser preamble is not started yet (use it inside a test or hook)");
    return preamble;
  };
}
