import { join } from "node:path";
import type { TestUser } from "@tandem/testkit";
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useBrowserPreamble } from "./preamble.ts";

let browser: Browser;
let alice: TestUser;
let bob: TestUser;
let projectId: string;
let openAs: (user: TestUser, path: string) => Promise<Page>;

useBrowserPreamble(
  { users: ["alice", "bob"], project: { name: "Team", members: { bob: "editor" } }, pageTimeoutMs: 10_000 },
  (p) => {
    ({
      browser,
      projectId,
      openAs,
      users: { alice, bob },
    } = p);
  },
);

/** The text of a cell's source as this page shows it. */
const cellSource = (page: Page, index: number) => page.locator(".cell").nth(index).locator(".source").innerText();

describe("notebook page (real collaboration server)", () => {
  it("two people edit the same notebook: one types, the other sees it", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Together" });
    const a = await openAs(alice, `/notebooks/${nb.body.id}`);
    const b = await openAs(bob, `/notebooks/${nb.body.id}`);

    await a.getByRole("button", { name: "Add a code cell" }).click();
    await a.keyboard.type("import math\nprint(math.pi)");
    await b.locator(".cell").first().getByText("print(math.pi)").waitFor();
    expect(await cellSource(b, 0)).toContain("import math");

    // And back: Bob types into the same cell; Alice sees it; each sees the other here.
    await b.locator(".cell .cm-content").first().click();
    await b.keyboard.press("Control+End");
    await b.keyboard.type("\n# from bob");
    await a.getByText("# from bob").waitFor();
    await a.getByRole("img", { name: "bob", exact: true }).waitFor();
    await a.getByRole("img", { name: "bob is on this cell" }).waitFor();
    await b.getByRole("img", { name: "alice", exact: true }).waitFor();

    // Alice's undo takes back only her own typing, never Bob's.
    await a.locator(".cell .cm-content").first().click();
    await a.keyboard.press("Control+End");
    await a.keyboard.type("\nx = 1");
    await b.getByText("x = 1").waitFor();
    await a.keyboard.press("Control+z");
    await b.getByText("x = 1").waitFor({ state: "detached" });
    expect(await cellSource(b, 0)).toContain("# from bob");

    const exported = await alice.client.get(`/api/notebooks/${nb.body.id}/ipynb`);
    const source = exported.body.cells[0].source;
    expect(Array.isArray(source) ? source.join("") : source).toBe("import math\nprint(math.pi)\n# from bob");
    await a.context().close();
    await b.context().close();
  });

  it("imports an .ipynb with the file picker and renders all its outputs", async () => {
    const page = await openAs(alice, `/projects/${projectId}`);
    await page.getByLabel("Import .ipynb files").setInputFiles(join(import.meta.dirname, "fixtures/outputs.ipynb"));
    await page.getByRole("link", { name: "outputs", exact: true }).click();
    await page.waitForURL(/\/notebooks\//);

    await page.getByRole("heading", { name: "Imported results" }).waitFor();
    await page.locator(".rendered-markdown .katex").first().waitFor(); // markdown with math
    await page.locator(".stream-stdout", { hasText: "hello from the kernel" }).waitFor(); // stream
    // HTML with a script: shown in a frame sandboxed with allow-scripts only, so the script runs in an opaque origin.
    const htmlFrame = page.locator("iframe.output-frame-html");
    expect(await htmlFrame.getAttribute("sandbox")).toBe("allow-scripts");
    await page.frameLocator("iframe.output-frame-html").locator("table td", { hasText: "0.5" }).waitFor();
    await page.getByRole("img", { name: "<Figure size 8x8>" }).waitFor(); // PNG
    await page.locator(".output-latex .katex").waitFor(); // LaTeX
    await page.locator(".output-error", { hasText: "ZeroDivisionError: division by zero" }).waitFor(); // traceback
    await page.locator(".output-json", { hasText: '"a": 1' }).waitFor(); // JSON
    expect(await page.locator(".output-error pre").innerText()).not.toContain("\u001b[");
    expect(await page.evaluate(() => (window as { __pwned?: boolean }).__pwned)).toBeUndefined();
    expect(await page.locator(".output-html script").count()).toBe(0);
    expect(await page.locator(".prompt", { hasText: "[5]:" }).count()).toBe(1);
    await page.context().close();
  });

  it("a share link shows the live notebook read-only, and cannot change it", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Shared" });
    const owner = await openAs(alice, `/notebooks/${nb.body.id}`);
    await owner.getByRole("button", { name: "Add a code cell" }).click();
    await owner.keyboard.type("answer = 42");

    // Created through the UI; its URL is shown once.
    await owner.getByRole("button", { name: "Share" }).click();
    await owner.getByRole("button", { name: "Create link" }).click();
    const url = await owner.getByLabel("New share link").inputValue();
    expect(url).toMatch(/\/s\/tdms_/);

    const guestContext = await browser.newContext();
    guestContext.setDefaultTimeout(10_000);
    const guest = await guestContext.newPage();
    await guest.goto(url);
    // The short link lands on the notebook's read-only view.
    await guest.waitForURL(new RegExp(`/share/${nb.body.id}\\?token=`));
    await guest.getByText("answer = 42").waitFor();
    await guest.getByText("Read-only: you can watch this notebook").waitFor();
    expect(await guest.getByRole("button", { name: "Run cell" }).count()).toBe(0);
    expect(await guest.getByRole("button", { name: "+ Code" }).count()).toBe(0);

    // It is live: the owner's typing arrives.
    await owner.locator(".cell .cm-content").first().click();
    await owner.keyboard.press("Control+End");
    await owner.keyboard.type("\nprint(answer)");
    await guest.getByText("print(answer)").waitFor();

    // Typing and command keys do nothing.
    await guest.locator(".cell .cm-content").first().click();
    await guest.keyboard.type("HACKED");
    await guest.keyboard.press("Escape");
    await guest.keyboard.press("d");
    await guest.keyboard.press("d");
    await guest.keyboard.press("b");
    expect(await guest.locator(".cell").count()).toBe(1);
    expect(await guest.getByText("HACKED").count()).toBe(0);
    const exported = await alice.client.get(`/api/notebooks/${nb.body.id}/ipynb`);
    expect(exported.body.cells).toHaveLength(1);
    const source = exported.body.cells[0].source;
    expect(Array.isArray(source) ? source.join("") : source).toBe("answer = 42\nprint(answer)");

    // Revoking the link cuts the open view off.
    await owner.getByRole("button", { name: /Revoke link/ }).click();
    await owner.getByRole("button", { name: "Yes, revoke" }).click();
    await guest.getByText(/no longer have access|revoked/).waitFor();
    await owner.context().close();
    await guestContext.close();
  });

  it("saves a named version and restores it; open pages switch to the restored document", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "History" });
    const a = await openAs(alice, `/notebooks/${nb.body.id}`);
    const b = await openAs(bob, `/notebooks/${nb.body.id}`);
    await a.getByRole("button", { name: "Add a code cell" }).click();
    await a.keyboard.type("lr = 0.1");
    await b.getByText("lr = 0.1").waitFor();

    await a.getByRole("button", { name: "History" }).click();
    await a.getByLabel("Version name").fill("baseline");
    await a.getByRole("button", { name: "Save version" }).click();
    await a.getByRole("button", { name: "View version baseline" }).waitFor();

    await a.locator(".cell .cm-content").first().click();
    await a.keyboard.press("Control+End");
    await a.keyboard.type("\nlr = 99");
    await b.getByText("lr = 99").waitFor();

    await a.getByRole("button", { name: "View version baseline" }).click();
    await a.locator(".version-preview", { hasText: "lr = 0.1" }).waitFor();
    await a.getByRole("button", { name: "Restore version baseline" }).click();
    await a.getByRole("button", { name: "Replace the notebook" }).click();

    // Both pages start over on the restored document: no merge, no duplicated cells.
    for (const page of [a, b]) {
      await page.getByText("lr = 99").waitFor({ state: "detached" });
      await page.locator(".cell .source", { hasText: "lr = 0.1" }).waitFor();
      expect(await page.locator(".cell").count()).toBe(1);
    }
    const exported = await alice.client.get(`/api/notebooks/${nb.body.id}/ipynb`);
    expect(exported.body.cells).toHaveLength(1);
    await a.context().close();
    await b.context().close();
  });

  it("Jupyter's keys: Esc/Enter, A/B, M/Y, D D, Z, Shift+M, Ctrl+Shift+- and Shift+Enter on markdown", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Keys" });
    const page = await openAs(alice, `/notebooks/${nb.body.id}`);
    const cells = async () => {
      const res = await alice.client.get(`/api/notebooks/${nb.body.id}/ipynb`);
      return res.body.cells.map((c: { cell_type: string; source: string | string[] }) => [
        c.cell_type,
        Array.isArray(c.source) ? c.source.join("") : c.source,
      ]);
    };
    const count = (n: number) => expect.poll(async () => page.locator(".cell").count()).toBe(n);

    await page.getByRole("button", { name: "Add a code cell" }).click();
    await page.keyboard.type("first = 1\nsecond = 2");
    await page.keyboard.press("Escape"); // command mode
    await page.keyboard.press("b"); // insert below, selected
    await count(2);
    await page.keyboard.press("m"); // to markdown
    await page.keyboard.press("Enter"); // edit
    await page.keyboard.type("# Title");
    await page.keyboard.press("Shift+Enter"); // render, and add a cell below (last cell)
    await page.getByRole("heading", { name: "Title" }).waitFor();
    await count(3);
    await page.keyboard.press("Escape");
    await page.keyboard.press("d");
    await page.keyboard.press("d"); // delete the new empty cell
    await count(2);
    await page.keyboard.press("k"); // up to the first cell
    await page.keyboard.press("a"); // insert above
    await count(3);
    await page.keyboard.press("d");
    await page.keyboard.press("d");
    await count(2);
    await page.keyboard.press("z"); // undo the deletion
    await count(3);
    await page.keyboard.press("d");
    await page.keyboard.press("d");
    await count(2);

    // Split the code cell at the cursor, then merge it back with Shift+M.
    await page.locator(".cell").first().locator(".cm-content").click();
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Control+Shift+Minus");
    await count(3);
    await expect.poll(cells).toEqual([
      ["code", "first = 1"],
      ["code", "second = 2"],
      ["markdown", "# Title"],
    ]);
    await page.keyboard.press("Escape");
    await page.keyboard.press("k");
    await page.keyboard.press("Shift+M");
    await count(2);
    await page.keyboard.press("y"); // already code: no change
    await expect.poll(cells).toEqual([
      ["code", "first = 1\nsecond = 2"],
      ["markdown", "# Title"],
    ]);
    await page.context().close();
  });

  it("edits made offline are kept, shown as offline, and sync when the connection returns", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Offline" });
    const a = await openAs(alice, `/notebooks/${nb.body.id}`);
    const b = await openAs(bob, `/notebooks/${nb.body.id}`);
    await a.getByRole("button", { name: "Add a code cell" }).click();
    await a.keyboard.type("online = True");
    await b.getByText("online = True").waitFor();

    await a.context().setOffline(true);
    await a.getByText("You are offline").waitFor();
    // The kernel's last state seen is stale offline: the badge says Offline, not Idle.
    await a.getByRole("status", { name: /: Offline$/ }).waitFor();
    await a.keyboard.type("\nwritten_offline = 1");
    await a.getByText("written_offline = 1").waitFor(); // kept locally
    expect(await b.getByText("written_offline").count()).toBe(0);

    await a.context().setOffline(false);
    await a.getByText("You are offline").waitFor({ state: "detached", timeout: 30_000 });
    await b.getByText("written_offline = 1").waitFor({ timeout: 30_000 });
    await a.context().close();
    await b.context().close();
  }, 90_000);
});
