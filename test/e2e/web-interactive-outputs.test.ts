import type { TestUser } from "@tandem/testkit";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useBrowserPreamble } from "./preamble.ts";

let alice: TestUser;
let projectId: string;
let openAs: (user: TestUser, path: string) => Promise<Page>;

useBrowserPreamble({ kernels: true, users: ["alice"], project: { name: "Plots" }, pageTimeoutMs: 30_000 }, (p) => {
  ({
    projectId,
    openAs,
    users: { alice },
  } = p);
});

// What plotly's and altair's Python packages send (their MIME bundles), sent raw so the test needs neither.
const CELL = String.raw`from IPython.display import display
display({"application/vnd.plotly.v1+json": {"data": [{"type": "bar", "x": ["a", "b"], "y": [1, 3]}], "layout": {"title": {"text": "Bars"}}}, "text/plain": "Figure"}, raw=True)
display({"application/vnd.vegalite.v5+json": {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "data": {"values": [{"k": "A", "v": 28}, {"k": "B", "v": 55}]}, "mark": "bar", "encoding": {"x": {"field": "k", "type": "nominal"}, "y": {"field": "v", "type": "quantitative"}}}, "text/plain": "alt.Chart(...)"}, raw=True)
display({"text/html": "<div id='x'>waiting</div><script>document.getElementById('x').textContent = 'ran in frame'; try { window.parent.document.title = 'pwned' } catch (e) { document.body.append(' parent blocked: ' + e.name) } try { document.cookie; document.body.append(' cookie readable') } catch (e) { document.body.append(' cookie blocked') }</script>"}, raw=True)
display({"application/javascript": "element.textContent = 'js ran'; try { top.__tandemPwned = 1 } catch (e) { element.textContent += ' top blocked' }"}, raw=True)
display({"text/html": "<b class='plain'>plain bold</b>"}, raw=True)`;

describe("interactive outputs in sandboxed frames", () => {
  it("renders plotly and Vega-Lite, runs HTML scripts and JavaScript in frames that cannot reach the app", async () => {
    const nb = await alice.client.post(`/api/projects/${projectId}/notebooks`, { name: "Plots" });
    const page = await openAs(alice, `/notebooks/${nb.body.id}`);
    await page.getByRole("button", { name: "Add a code cell" }).click();
    await page.keyboard.insertText(CELL);
    await page.keyboard.press("Control+Enter");

    const frames = page.locator("iframe.output-frame");
    await expect.poll(() => frames.count(), { timeout: 60_000 }).toBe(4);
    for (const f of await frames.all()) {
      // Scripts may run, but never with the app's origin.
      expect(await f.getAttribute("sandbox")).toBe("allow-scripts");
    }
    const plotly = page.frameLocator("iframe.output-frame-plotly");
    await plotly.locator("svg.main-svg").first().waitFor();
    await plotly.locator(".gtitle", { hasText: "Bars" }).waitFor();
    expect(await plotly.locator("g.point, .bars path").count()).toBeGreaterThanOrEqual(2);

    const vega = page.frameLocator("iframe.output-frame-vega-lite");
    await vega.locator("svg.marks").waitFor();
    expect(await vega.locator("path[aria-roledescription='bar']").count()).toBe(2);

    const html = page.frameLocator("iframe.output-frame-html");
    await html.getByText("ran in frame").waitFor();
    await html.getByText(/parent blocked: SecurityError/).waitFor();
    await html.getByText("cookie blocked").waitFor();
    const js = page.frameLocator("iframe.output-frame-javascript");
    await js.getByText("js ran top blocked").waitFor();

    // Nothing ran in the app's own origin; plain HTML still goes through DOMPurify, in the page.
    expect(await page.evaluate(() => (window as unknown as { __tandemPwned?: number }).__tandemPwned)).toBeUndefined();
    expect(await page.title()).not.toBe("pwned");
    await page.locator(".output-html b.plain", { hasText: "plain bold" }).waitFor();
    // The frames grew to fit what they drew.
    const box = await page.locator("iframe.output-frame-plotly").boundingBox();
    expect(box!.height).toBeGreaterThan(200);
    await page.context().close();
  }, 120_000);
});
