import { describe, expect, it } from "vitest";
import { frameDocument, frameFor, htmlRunsCode, scriptJson } from "../src/lib/frames.ts";

const libs = {
  plotly: "https://h/p.js",
  vega: "https://h/v.js",
  vegaLite: "https://h/vl.js",
  vegaEmbed: "https://h/ve.js",
};

describe("sandboxed output frames", () => {
  it("chooses a frame for code-running outputs and none for plain HTML", () => {
    expect(frameFor({ "application/vnd.plotly.v1+json": {}, "text/html": "<div>", "text/plain": "x" })?.kind).toBe(
      "plotly",
    );
    expect(frameFor({ "application/vnd.vegalite.v5+json": {}, "text/plain": "x" })).toEqual({
      kind: "vega-lite",
      mime: "application/vnd.vegalite.v5+json",
    });
    expect(frameFor({ "application/vnd.vega.v5+json": {} })?.kind).toBe("vega");
    expect(frameFor({ "text/html": ["<p>hi</p>"] })).toBeNull();
    expect(frameFor({ "text/html": "<img src=x onerror=alert(1)>" })?.kind).toBe("html");
    expect(frameFor({ "application/javascript": "1" })?.kind).toBe("javascript");
    expect(htmlRunsCode("<a href='javascript:x'>")).toBe(true);
    expect(htmlRunsCode("<b>on = off</b>")).toBe(false);
  });

  it("keeps a payload from closing its script element", () => {
    expect(scriptJson({ t: "</script><script>alert(1)</script>" })).not.toContain("</script>");
    const doc = frameDocument("plotly", { data: [], layout: { title: "</script>" } }, "f1", libs);
    expect(doc.match(/<\/script>/g)?.length).toBe(doc.match(/<script/g)?.length);
    expect(doc).toContain('<script src="https://h/p.js"></script>');
    expect(frameDocument("vega-lite", {}, "f2", libs)).toContain("https://h/ve.js");
    expect(frameDocument("javascript", "x('</script>')", "f3", libs)).not.toContain("x('</script>')");
  });
});
