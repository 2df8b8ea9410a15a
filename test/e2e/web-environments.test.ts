import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertUv, makeWheels, serveWheels, type TestServer, type TestUser, testUvCache } from "@tandem/testkit";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBrowserPreamble } from "./preamble.ts";

let server: TestServer;
let alice: TestUser;
let projectId: string;
let openAs: (user: TestUser, path: string) => Promise<Page>;
let index: { url: string; close(): Promise<void> };
let wheelsDir: string;

beforeAll(async () => {
  assertUv();
  wheelsDir = mkdtempSync(join(tmpdir(), "tandem-web-wheels-"));
  makeWheels(wheelsDir, [
    { name: "tiny-a", version: "1.0.0" },
    { name: "tiny-c", version: "1.0.0" },
  ]);
  index = await serveWheels(wheelsDir);
}, 180_000);
afterAll(async () => {
  await index?.close();
  rmSync(wheelsDir, { recursive: true, force: true });
});
useBrowserPreamble(
  { env: { TANDEM_UV_CACHE_DIR: testUvCache }, users: ["alice"], project: { name: "Envs" }, pageTimeoutMs: 120_000 },
  (p) => {
    ({
      server,
      projectId,
      openAs,
      users: { alice },
    } = p);
  },
);

describe("the Environments page and the notebook's environment picker", () => {
  it("creates an environment with its build log live, diffs versions, exports, switches a notebook to it and deletes", async () => {
    const page = await openAs(alice, "/environments");
    await page.getByRole("link", { name: "Environments" }).first().waitFor();
    const form = page.getByRole("form", { name: "New environment" });
    await form.getByLabel("Name").fill("Tiny");
    await form.getByLabel(/^Requirements/).fill("tiny-c");
    await form.getByLabel(/^Find-links/).fill(index.url);
    await form.getByRole("button", { name: "Create and build" }).click();

    // The environment's page follows the build as it runs, then shows it ready with its packages.
    await page.getByRole("heading", { name: /Tiny/ }).waitFor();
    await page
      .getByLabel("Build log")
      .getByText(/ready in/)
      .waitFor();
    await page.getByRole("status", { name: "Build status" }).getByText("ready").waitFor();
    await page.getByRole("table", { name: "Packages" }).getByText("tiny-c").waitFor();
    const v1 = (await alice.client.get("/api/environments")).body.find((e: any) => e.name === "Tiny");
    expect(page.url()).toContain(`/environments/${v1.id}`);
    const exportHref = await page.getByRole("link", { name: "Export requirements.txt" }).getAttribute("href");
    const exported = await page.request.get(`${server.url}${exportHref}`);
    expect(await exported.text()).toMatch(/tiny-c==1\.0\.0 \\\n\s+--hash=sha256:/);

    // A second version: its page shows what changed against the first.
    const created = await alice.client.post("/api/environments", {
      name: "Tiny",
      requirements: ["tiny-c", "tiny-a"],
      indexes: { findLinks: [index.url] },
    });
    await page.goto(`/environments/${created.body.id}`);
    await page.getByRole("status", { name: "Build status" }).getByText("ready").waitFor();
    const diff = page.getByRole("table", { name: "Lock diff" });
    await diff.getByRole("row", { name: /tiny-a added/ }).waitFor();
    expect(await diff.getByRole("row").count()).toBe(2); // the header and tiny-a: nothing else moved

    // The notebook's badge lists ready environments; switching asks first, then restarts the kernel there.
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Pick" });
    await alice.client.post(`/api/notebooks/${nb.body.id}/kernel`, { kernelspec: v1.kernelspec });
    await page.goto(`/notebooks/${nb.body.id}`);
    await page.getByRole("status", { name: /Tiny \(Python .*Idle/ }).waitFor();
    await page.getByRole("button", { name: "Choose the notebook's environment" }).click();
    const menu = page.getByRole("menu", { name: "Environments" });
    await menu.getByRole("menuitem", { name: /^Tiny · Python 3\.\d+\.\d+ · \d+ packages$/ }).waitFor();
    await menu.getByRole("menuitem", { name: /^Tiny v2 · Python 3\.\d+\.\d+ · \d+ packages$/ }).click();
    await page
      .getByRole("alertdialog", { name: "Switch environment" })
      .getByText(/variables and imports are lost/)
      .waitFor();
    await page.getByRole("button", { name: "Switch and restart" }).click();
    await page.getByRole("status", { name: /Tiny v2 \(Python .*Idle/ }).waitFor();
    const state = await alice.client.get(`/api/notebooks/${nb.body.id}/kernel`);
    expect(state.body.kernel.name).toBe(created.body.kernelspec);

    // Deleting the first version from its page.
    await page.goto(`/environments/${v1.id}`);
    await page.getByRole("button", { name: "Delete environment" }).click();
    await page.getByRole("button", { name: "Yes, delete" }).click();
    await page.waitForURL(/\/environments$/);
    await page.getByRole("table", { name: "Environments" }).getByText("v2").waitFor();
    expect(await page.getByRole("table", { name: "Environments" }).getByText("v1", { exact: true }).count()).toBe(0);
    await page.context().close();
  }, 300_000);
});
