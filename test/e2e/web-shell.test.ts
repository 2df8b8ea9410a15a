import { createUser, type TestServer } from "@tandem/testkit";
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { signedInContext } from "./browser.ts";
import { useBrowserPreamble } from "./preamble.ts";

let server: TestServer;
let browser: Browser;
useBrowserPreamble({}, (p) => {
  ({ server, browser } = p);
});

describe("web app shell", () => {
  it("signs up through the form, creates a project and a notebook, and renames it", async () => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await page.goto("/");
    // Private pages send an anonymous visitor to sign-in.
    await page.waitForURL(/\/signin/);
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("Name").fill("Ada");
    await page.getByLabel("Email").fill(`ada-${Date.now()}@example.com`);
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Create account" }).click();

    await page.getByRole("heading", { name: "Projects" }).waitFor();
    await page.getByLabel("New project name").fill("Vision");
    await page.getByRole("button", { name: "Create project" }).click();
    await page.getByRole("link", { name: "Vision" }).click();
    await page.getByLabel("New notebook name").fill("Training");
    await page.getByRole("button", { name: "New notebook" }).click();

    await page.waitForURL(/\/notebooks\/[0-9a-f-]{36}$/);
    const notebookId = page.url().split("/").pop()!;
    await page.getByRole("toolbar", { name: "Notebook" }).waitFor();
    await page.getByRole("button", { name: "Rename notebook" }).click();
    await page.getByLabel("New name for notebook").fill("Training v2");
    await page.keyboard.press("Enter");
    await page.getByText("Training v2").waitFor();

    const cookie = (await context.cookies()).find((c) => c.name === "tandem_session")!;
    const me = server.http.as({ cookie: `${cookie.name}=${cookie.value}` });
    const nb = await me.get(`/api/notebooks/${notebookId}`);
    expect(nb.body.name).toBe("Training v2");
    await context.close();
  });

  it("shows a new API token's secret once, and revokes it", async () => {
    const user = await createUser(server.http, "tok");
    const context = await signedInContext(browser, server.url, user.cookie);
    const page = await context.newPage();
    await page.goto("/tokens");
    await page.getByLabel("Name").fill("laptop");
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = await page.getByLabel("New token secret").inputValue();
    expect((await server.http.get("/api/me", { token: secret })).status).toBe(200);

    await page.getByRole("button", { name: "Done" }).click();
    await expect(page.getByLabel("New token secret").count()).resolves.toBe(0);
    await page.getByRole("button", { name: "Revoke token laptop" }).click();
    await page.getByRole("button", { name: "Yes, revoke" }).click();
    await page.getByRole("cell", { name: "laptop", exact: true }).waitFor({ state: "detached" });
    expect((await server.http.get("/api/me", { token: secret })).status).toBe(401);
    await context.close();
  });

  it("lets an owner add a member as viewer, who then sees the project read-only", async () => {
    const owner = await createUser(server.http, "owner");
    const viewer = await createUser(server.http, "viewer");
    const project = await owner.client.post("/api/projects", { name: "Shared" });
    await owner.client.post(`/api/projects/${project.body.id}/notebooks`, { name: "Analysis" });

    const ownerCtx = await signedInContext(browser, server.url, owner.cookie);
    const page = await ownerCtx.newPage();
    await page.goto(`/projects/${project.body.id}`);
    await page.getByLabel("Email of the person to add").fill(viewer.email);
    await page.getByLabel("Role", { exact: true }).selectOption("viewer");
    await page.getByRole("button", { name: "Add member" }).click();
    await page.getByLabel(`Role of ${viewer.name}`).waitFor();
    expect(await page.getByLabel(`Role of ${viewer.name}`).inputValue()).toBe("viewer");

    const viewerCtx = await signedInContext(browser, server.url, viewer.cookie);
    const vpage = await viewerCtx.newPage();
    await vpage.goto(`/projects/${project.body.id}`);
    await vpage.getByRole("link", { name: "Analysis", exact: true }).waitFor();
    expect(await vpage.getByRole("button", { name: "New notebook" }).count()).toBe(0);
    expect(await vpage.getByRole("button", { name: /Delete notebook/ }).count()).toBe(0);
    await vpage.getByRole("link", { name: "Analysis", exact: true }).click();
    await vpage.getByText("Read-only: you can watch this notebook").waitFor();
    expect(await vpage.getByRole("button", { name: "Run cell" }).count()).toBe(0);
    await ownerCtx.close();
    await viewerCtx.close();
  });
});
