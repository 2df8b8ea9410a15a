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
    project: { name: "Items", members: { bob: "editor" } },
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

describe("the notebook as data scientists expect it", () => {
  it("input() belongs to the person who ran it: after a reload they can still answer", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Input" });
    const a = await openAs(alice, `/notebooks/${nb.body.id}`);
    const b = await openAs(bob, `/notebooks/${nb.body.id}`);
    await a.getByRole("button", { name: "Add a code cell" }).click();
    await a.keyboard.type("name = input('Your name? ')\nprint('hi', name)");
    await a.keyboard.press("Control+Enter");
    await a.getByLabel("Your name?").waitFor();

    await a.reload();
    await a.getByLabel("Your name?").fill("Ada");
    await a.keyboard.press("Enter");
    // Bob, another person, only sees it waiting, then the answer's output.
    expect(await b.getByLabel("Your name?").count()).toBe(0);
    for (const page of [a, b]) await page.locator(".stream-stdout", { hasText: "hi Ada" }).waitFor();
    await a.context().close();
    await b.context().close();
  });

  it("a long output shows its last lines and how many are hidden", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Log" });
    const page = await openAs(alice, `/notebooks/${nb.body.id}`);
    await page.getByRole("button", { name: "Add a code cell" }).click();
    await page.keyboard.type("for i in range(1, 201): print(f'epoch {i} loss {1/i:.4f}')");
    await page.keyboard.press("Control+Enter");
    const out = page.locator(".cell").first().locator(".outputs");
    await out.getByText("epoch 200 loss 0.0050").waitFor();
    await page.getByRole("button", { name: "180 earlier lines hidden — show all" }).waitFor();
    expect(await out.getByText("epoch 180 loss", { exact: false }).count()).toBe(0);
    expect(await out.getByText("epoch 181 loss", { exact: false }).count()).toBe(1);
    await page.getByRole("button", { name: "180 earlier lines hidden — show all" }).click();
    await out.getByText("epoch 1 loss 1.0000").waitFor();
    await page.context().close();
  });
});
