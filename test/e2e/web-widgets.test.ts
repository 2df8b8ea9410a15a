import type { TestUser } from "@tandem/testkit";
import type { Page } from "playwright-core";
import { describe, it } from "vitest";
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

describe("ipywidgets with state in the shared document", () => {
  it("an IntSlider moved in one browser moves in the other, reaches the kernel and survives a reload", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Slider" });
    const a = await openAs(alice, `/notebooks/${nb.body.id}`);
    const b = await openAs(bob, `/notebooks/${nb.body.id}`);
    await a.getByRole("button", { name: "Add a code cell" }).click();
    await a.keyboard.insertText('import ipywidgets as w\ns = w.IntSlider(value=3, min=0, max=10, description="n")\ns');
    await a.keyboard.press("Shift+Enter");
    for (const page of [a, b]) await page.locator(".widget-slider .widget-readout", { hasText: /^3$/ }).waitFor();

    await a.getByRole("slider", { name: "n" }).fill("7");
    await b.locator(".widget-slider .widget-readout", { hasText: /^7$/ }).waitFor();

    // The kernel has the value the collaborators see.
    await a.keyboard.insertText("print('value', s.value)");
    await a.keyboard.press("Shift+Enter");
    for (const page of [a, b]) await page.locator(".stream-stdout", { hasText: "value 7" }).waitFor();

    // The kernel's own change reaches both views too.
    await a.keyboard.insertText("s.value = 9");
    await a.keyboard.press("Shift+Enter");
    for (const page of [a, b]) await page.locator(".widget-slider .widget-readout", { hasText: /^9$/ }).waitFor();

    await b.reload();
    await b.locator(".widget-slider .widget-readout", { hasText: /^9$/ }).waitFor();
    await a.context().close();
    await b.context().close();
  }, 120_000);
});
