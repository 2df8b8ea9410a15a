import type { TestUser } from "@tandem/testkit";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useBrowserPreamble } from "./preamble.ts";

let alice: TestUser;
let bob: TestUser;
let projectId: string;
let openAs: (user: TestUser, path: string) => Promise<Page>;

useBrowserPreamble(
  {
    kernels: true,
    users: ["alice", "bob"],
    project: { name: "Runs", members: { bob: "editor" } },
    pageTimeoutMs: 20_000,
  },
  (p) => {
    ({
      projectId,
      openAs,
      users: { alice, bob },
    } = p);
  },
);

describe("running cells from the browser (real kernel)", () => {
  it("Shift+Enter runs a cell in a real kernel and both collaborators see its output", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Run" });
    const a = await openAs(alice, `/notebooks/${nb.body.id}`);
    const b = await openAs(bob, `/notebooks/${nb.body.id}`);

    await a.getByRole("button", { name: "Add a code cell" }).click();
    await a.keyboard.type("import sys\nprint('hello', 6 * 7)\nprint('oops', file=sys.stderr)\n21 * 2");
    await a.keyboard.press("Shift+Enter");

    for (const page of [a, b]) {
      await page.locator(".stream-stdout", { hasText: "hello 42" }).waitFor();
      await page.locator(".stream-stderr", { hasText: "oops" }).waitFor();
      await page.locator(".outputs .output-text", { hasText: /^42$/ }).waitFor();
      await page.locator(".cell").first().locator(".prompt", { hasText: "[1]:" }).first().waitFor();
      await page.getByRole("status", { name: /Idle/ }).waitFor();
    }
    // Shift+Enter on the last cell added a new one below and selected it, as in Jupyter.
    expect(await a.locator(".cell").count()).toBe(2);

    // An error shows its traceback, readable (no escape codes), to both.
    await a.keyboard.press("Enter");
    await a.keyboard.type("1/0");
    await a.keyboard.press("Control+Enter");
    for (const page of [a, b]) {
      await page.locator(".output-error", { hasText: "ZeroDivisionError" }).waitFor();
      expect(await page.locator(".output-error").innerText()).not.toContain("\u001b[");
    }
    await a.context().close();
    await b.context().close();
  });

  it("input() asks the person who ran the cell; the others see it waiting", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Input" });
    const a = await openAs(alice, `/notebooks/${nb.body.id}`);
    const b = await openAs(bob, `/notebooks/${nb.body.id}`);
    await a.getByRole("button", { name: "Add a code cell" }).click();
    await a.keyboard.type("name = input('Your name? ')\nprint('hi', name)");
    await a.keyboard.press("Control+Enter");

    await a.getByLabel("Your name?").waitFor();
    await b.getByText("Waiting for input").waitFor();
    expect(await b.getByLabel("Your name?").count()).toBe(0);
    await a.getByLabel("Your name?").fill("Ada");
    await a.keyboard.press("Enter");
    for (const page of [a, b]) await page.locator(".stream-stdout", { hasText: "hi Ada" }).waitFor();
    await a.context().close();
    await b.context().close();
  });

  it("a running cell shows as running to everyone; interrupt and restart from the toolbar", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Long" });
    const a = await openAs(alice, `/notebooks/${nb.body.id}`);
    const b = await openAs(bob, `/notebooks/${nb.body.id}`);
    await a.getByRole("button", { name: "Add a code cell" }).click();
    await a.keyboard.type("import time\ntime.sleep(60)");
    await a.keyboard.press("Control+Enter");

    await b.locator(".cell.cell-running").waitFor();
    await b.locator(".cell .prompt", { hasText: "[*]:" }).waitFor();
    await a.getByRole("button", { name: "Interrupt kernel" }).click();
    for (const page of [a, b]) {
      await page.locator(".output-error", { hasText: "KeyboardInterrupt" }).waitFor();
      await page.locator(".cell.cell-running").waitFor({ state: "detached" });
    }

    // Restarting asks first; Cancel keeps the kernel.
    await a.getByRole("button", { name: "Restart kernel", exact: true }).click();
    const confirm = a.getByRole("group", { name: "Confirm restart" });
    await confirm.getByText("Restart the kernel? Its variables are lost.").waitFor();
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "detached" });
    await a.getByRole("button", { name: "Restart kernel", exact: true }).click();
    await Promise.all([
      a.waitForResponse((r) => r.url().endsWith("/kernel/restart") && r.ok()),
      confirm.getByRole("button", { name: "Restart", exact: true }).click(),
    ]);
    await b.getByRole("status", { name: /Idle/ }).waitFor();
    await a.locator(".cell .cm-content").first().click();
    await a.keyboard.press("Control+a");
    await a.keyboard.type("print('fresh', 'time' in dir())");
    await a.keyboard.press("Control+Enter");
    await b.locator(".stream-stdout", { hasText: "fresh False" }).waitFor();
    // The shortcuts panel opens in sight, whatever the scroll.
    await a.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await a.getByRole("button", { name: "Keyboard shortcuts" }).click();
    const help = await a.getByRole("complementary", { name: "Keyboard shortcuts" }).boundingBox();
    const viewport = a.viewportSize()!;
    expect(help!.y).toBeGreaterThanOrEqual(0);
    expect(help!.y + help!.height).toBeLessThanOrEqual(viewport.height);
    await a.context().close();
    await b.context().close();
  });
});
