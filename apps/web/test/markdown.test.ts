import { describe, expect, it } from "vitest";
import { extractMath, renderLatexOutput, renderMarkdown } from "../src/lib/markdown.ts";

describe("extractMath", () => {
  it("finds inline and display math", () => {
    const { math } = extractMath("Euler: $e^{i\\pi}+1=0$ and $$\\int_0^1 x\\,dx$$ and \\(a_b\\) \\[c\\]");
    expect(math).toEqual([
      { tex: "\\int_0^1 x\\,dx", display: true },
      { tex: "c", display: true },
      { tex: "a_b", display: false },
      { tex: "e^{i\\pi}+1=0", display: false },
    ]);
  });
  it("leaves code and prices alone", () => {
    expect(extractMath("`$x$` and\n```\n$y$\n```").math).toEqual([]);
    expect(extractMath("costs $5 and $6").math).toEqual([]);
  });
});

describe("renderMarkdown", () => {
  it("renders markdown with KaTeX math, underscores in math intact", () => {
    const html = renderMarkdown("# Title\n\nsome *em* and $x_1 + x_2$");
    expect(html).toContain("<h1>Title</h1>");
    expect(html).toContain("<em>em</em>");
    expect(html).toContain('class="katex"');
    expect(html).not.toContain("<em>1 + x</em>");
  });
  it("renders LaTeX outputs", () => {
    expect(renderLatexOutput("$$\\frac{1}{2}$$")).toContain("katex-display");
  });
});
