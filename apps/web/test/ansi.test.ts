import { describe, expect, it } from "vitest";
import { ansiCss, applyCarriageReturns, parseAnsi, stripAnsi, xtermColor } from "../src/lib/ansi.ts";

describe("parseAnsi", () => {
  it("keeps plain text as one unstyled span", () => {
    expect(parseAnsi("hello\nworld")).toEqual([{ text: "hello\nworld", style: {} }]);
  });

  it("applies colours and bold, and resets", () => {
    const spans = parseAnsi("\x1b[1;31mError\x1b[0m: bad");
    expect(spans).toEqual([
      { text: "Error", style: { bold: true, fg: "var(--ansi-red)" } },
      { text: ": bad", style: {} },
    ]);
  });

  it("reads IPython traceback colours (bright, 256 and truecolor)", () => {
    expect(parseAnsi("\x1b[92mok")[0]!.style.fg).toBe("var(--ansi-bright-green)");
    expect(parseAnsi("\x1b[38;5;196mx")[0]!.style.fg).toBe(xtermColor(196));
    expect(parseAnsi("\x1b[48;2;10;20;30mx")[0]!.style.bg).toBe("rgb(10,20,30)");
  });

  it("drops other escape sequences (cursor moves, OSC titles)", () => {
    expect(stripAnsi("a\x1b[2Kb\x1b]0;title\x07c")).toBe("abc");
    expect(parseAnsi("a\x1b[2Kb")).toEqual([{ text: "ab", style: {} }]);
  });

  it("merges adjacent spans of equal style", () => {
    expect(parseAnsi("\x1b[31ma\x1b[31mb")).toEqual([{ text: "ab", style: { fg: "var(--ansi-red)" } }]);
  });

  it("turns styles into CSS, inverse swapping colours", () => {
    expect(ansiCss({ fg: "red", bold: true })).toBe("color:red;font-weight:600");
    expect(ansiCss({ fg: "red", inverse: true })).toBe("color:var(--output-bg);background:red");
  });
});

describe("applyCarriageReturns", () => {
  it("shows a progress bar's last state", () => {
    expect(applyCarriageReturns("10%\r50%\r100%\ndone")).toBe("100%\ndone");
  });
  it("overwrites only as far as the new text reaches", () => {
    expect(applyCarriageReturns("abcdef\rXY")).toBe("XYcdef");
  });
  it("treats CRLF as a newline and applies backspaces", () => {
    expect(applyCarriageReturns("a\r\nb")).toBe("a\nb");
    expect(applyCarriageReturns("abc\x08\x08d")).toBe("ad");
  });
});
