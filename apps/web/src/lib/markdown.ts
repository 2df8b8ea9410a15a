import katex from "katex";
import { Marked } from "marked";

/**
 * Markdown with LaTeX math, as Jupyter renders markdown cells: `$…$` and `\(…\)` inline,
 * `$$…$$` and `\[…\]` display. Math is cut out before markdown parsing (so `_` and `*` in
 * formulas are not taken for emphasis) and rendered with KaTeX. The HTML still needs sanitising.
 */
export interface MathPiece {
  tex: string;
  display: boolean;
}

const PLACEHOLDER = (i: number) => `\u0000MATH${i}\u0000`;

/** Replaces math with placeholders, leaving code spans and fenced code alone. */
export function extractMath(src: string): { text: string; math: MathPiece[] } {
  const math: MathPiece[] = [];
  const keep = (tex: string, display: boolean) => {
    math.push({ tex, display });
    return PLACEHOLDER(math.length - 1);
  };
  // Split off code (fenced blocks and inline code spans) which must stay verbatim.
  const parts = src.split(/(```[\s\S]*?(?:```|$)|~~~[\s\S]*?(?:~~~|$)|`[^`\n]*`)/);
  const text = parts
    .map((part, i) => {
      if (i % 2 === 1) return part;
      return part
        .replace(/\$\$([\s\S]+?)\$\$/g, (_, tex: string) => keep(tex.trim(), true))
        .replace(/\\\[([\s\S]+?)\\\]/g, (_, tex: string) => keep(tex.trim(), true))
        .replace(/\\\(([\s\S]+?)\\\)/g, (_, tex: string) => keep(tex.trim(), false))
        .replace(
          /(^|[^\\$])\$(?!\s)((?:\\\$|[^$\n])+?)(?<!\s)\$(?!\d)/g,
          (_, pre: string, tex: string) => pre + keep(tex, false),
        );
    })
    .join("");
  return { text, math };
}

export function renderTex(tex: string, display: boolean): string {
  return katex.renderToString(tex, { displayMode: display, throwOnError: false, output: "htmlAndMathml" });
}

const marked = new Marked({ gfm: true, breaks: false, async: false });

/** Markdown (with math) to HTML. Not sanitised. */
export function renderMarkdown(src: string): string {
  const { text, math } = extractMath(src);
  const html = marked.parse(text) as string;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: placeholders use NUL
  return html.replace(/\u0000MATH(\d+)\u0000/g, (_, i: string) => {
    const piece = math[Number(i)]!;
    return renderTex(piece.tex, piece.display);
  });
}

/** A text/latex output (usually `$$…$$` or `\begin{…}`) to HTML. */
export function renderLatexOutput(src: string): string {
  const trimmed = src.trim();
  const m =
    /^\$\$([\s\S]*)\$\$$/.exec(trimmed) ?? /^\$([\s\S]*)\$$/.exec(trimmed) ?? /^\\\[([\s\S]*)\\\]$/.exec(trimmed);
  return renderTex(m ? m[1]!.trim() : trimmed, true);
}
