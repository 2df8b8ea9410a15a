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
    project: { name: "Widgets", members: { bob: "editor" } },
    pageTimeoutMs: 30_000,
  },
  (p) => {
    ({
      projectId,
      openAs,
      users: { alice, bob },
    } = p);
  },
);

/** Sets a slider through its readout, as a user typing a number does, and leaves the readout. */
async function setSlider(page: Page, value: string) {
  const readout = page.locator(".widget-slider .widget-readout");
  await readout.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.insertText(value);
  await page.keyboard.press("Enter");
}

describe("ipywidgets with state in the shared document", () => {
  it("a slider moved in one browser moves in the other and the kernel; a button click reaches the kernel; state survives a reload", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Slider" });
    const a = await openAs(alice, `/notebooks/${nb.body.id}`);
    const b = await openAs(bob, `/notebooks/${nb.body.id}`);
    await a.getByRole("button", { name: "Add a code cell" }).click();
    await a.keyboard.insertText(
      [
        "import ipywidgets as w",
        's = w.IntSlider(value=3, min=0, max=10, description="n")',
        "clicks = []",
        'go = w.Button(description="Go")',
        "go.on_click(lambda _: clicks.append(s.value))",
        "w.VBox([s, go])",
      ].join("\n"),
    );
    await a.keyboard.press("Shift+Enter");
    for (const page of [a, b]) {
      await page.locator(".widget-vbox .widget-slider .widget-readout", { hasText: /^3$/ }).waitFor();
      await page.locator(".widget-vbox .widget-label", { hasText: "n" }).waitFor();
    }

    await setSlider(a, "7");
    await b.locator(".widget-slider .widget-readout", { hasText: /^7$/ }).waitFor();
    // Bob's click runs the kernel's handler, which sees the value Alice set.
    await b.getByRole("button", { name: "Go" }).click();

    // The kernel has the value the collaborators see.
    await a.locator(".cm-content").last().click();
    await a.keyboard.insertText("print('value', s.value, 'clicks', clicks)");
    await a.keyboard.press("Shift+Enter");
    for (const page of [a, b]) await page.locator(".stream-stdout", { hasText: "value 7 clicks [7]" }).waitFor();

    // The kernel's own change reaches both views too.
    await a.keyboard.insertText("s.value = 9");
    await a.keyboard.press("Shift+Enter");
    for (const page of [a, b]) await page.locator(".widget-slider .widget-readout", { hasText: /^9$/ }).waitFor();

    await b.reload();
    await b.locator(".widget-slider .widget-readout", { hasText: /^9$/ }).waitFor();
    await a.context().close();
    await b.context().close();
  }, 120_000);

  it("an HTML widget's markup goes through the output sanitiser: tags stay, scripts and handlers do not run", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Html" });
    const a = await openAs(alice, `/notebooks/${nb.body.id}`);
    await a.getByRole("button", { name: "Add a code cell" }).click();
    await a.keyboard.insertText(
      'import ipywidgets as w\nw.HTML(\'<b>bold</b><img src="x" onerror="window.__pwned = 1"><script>window.__pwned = 2</script>\')',
    );
    await a.keyboard.press("Shift+Enter");
    await a.locator(".widget-html-content b", { hasText: "bold" }).waitFor();
    expect(await a.locator(".widget-html-content img").getAttribute("onerror")).toBeNull();
    expect(await a.locator(".widget-html-content script").count()).toBe(0);
    expect(await a.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await a.context().close();
  }, 90_000);
});
