import type { TestUser } from "@tandem/testkit";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useBrowserPreamble } from "./preamble.ts";

let alice: TestUser;
let projectId: string;
let openAs: (user: TestUser, path: string) => Promise<Page>;

useBrowserPreamble({ kernels: true, users: ["alice"], project: { name: "Assist" }, pageTimeoutMs: 20_000 }, (p) => {
  ({
    projectId,
    openAs,
    users: { alice },
  } = p);
});

describe("completion and help in the editor (real kernel)", () => {
  it("Tab completes os.pa with path from the kernel; Shift+Tab shows the signature", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Complete" });
    const page = await openAs(alice, `/notebooks/${nb.body.id}`);
    await page.getByRole("button", { name: "Add a code cell" }).click();
    await page.keyboard.type("import os");
    await page.keyboard.press("Shift+Enter");
    await page.getByRole("status", { name: /Idle/ }).waitFor();
    await page.locator(".cell").nth(1).locator(".cm-content").click();

    // Tab at the start of a line still indents.
    await page.keyboard.press("Tab");
    expect(await page.locator(".cell").nth(1).locator(".cm-line").first().innerText()).toBe("    ");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.type("os.pa");
    await page.keyboard.press("Tab");
    const popup = page.locator(".cm-tooltip-autocomplete");
    await popup.getByRole("option", { name: "path", exact: true }).waitFor();
    // The kernel's order (alphabetical, from jedi): pardir, path, …
    expect((await popup.getByRole("option").allInnerTexts()).slice(0, 2)).toEqual(["pardir", "path"]);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    expect(await page.locator(".cell").nth(1).locator(".cm-line").first().innerText()).toBe("os.path");

    await page.keyboard.type(".join(");
    await page.keyboard.press("Shift+Tab");
    const help = page.getByRole("tooltip");
    await help.waitFor();
    expect(await help.innerText()).toContain("Join two or more pathname components");
    // Typing closes it.
    await page.keyboard.type("'a'");
    await help.waitFor({ state: "detached" });
    await page.context().close();
  });

  it("while a cell runs, Tab offers the notebook's own words instead of waiting behind it", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Busy" });
    const page = await openAs(alice, `/notebooks/${nb.body.id}`);
    await page.getByRole("button", { name: "Add a code cell" }).click();
    await page.keyboard.type("learning_rate = 0.1\nimport time\nwhile True: time.sleep(0.05)");
    await page.keyboard.press("Shift+Enter");
    await page.locator(".cell").first().locator(".prompt", { hasText: "[*]" }).waitFor();
    await page.keyboard.type("learn");
    await page.keyboard.press("Tab");
    await page.locator(".cm-tooltip-autocomplete").getByRole("option", { name: "learning_rate" }).waitFor();
    await page.keyboard.press("Enter");
    expect(await page.locator(".cell").nth(1).locator(".cm-line").first().innerText()).toBe("learning_rate");
    await alice.client.post(`/api/notebooks/${nb.body.id}/kernel/interrupt`);
    await page.context().close();
  });
});
