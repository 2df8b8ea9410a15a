/**
 * ANSI SGR escape sequences (colours, bold, underline…) parsed into styled spans, the way
 * terminals and Jupyter show stream output and tracebacks. Other escape sequences are dropped.
 */
export interface AnsiStyle {
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

export interface AnsiSpan {
  text: string;
  style: AnsiStyle;
}

const BASIC = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"] as const;

/** CSS colour of one of the 256 xterm colours. */
export function xtermColor(n: number): string {
  if (n < 8) return `var(--ansi-${BASIC[n]})`;
  if (n < 16) return `var(--ansi-bright-${BASIC[n - 8]})`;
  if (n < 232) {
    const i = n - 16;
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    return `rgb(${level(Math.floor(i / 36))},${level(Math.floor(i / 6) % 6)},${level(i % 6)})`;
  }
  const grey = 8 + (n - 232) * 10;
  return `rgb(${grey},${grey},${grey})`;
}

function applySgr(codes: number[], style: AnsiStyle): AnsiStyle {
  const s = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 0) for (const k of Object.keys(s)) delete (s as Record<string, unknown>)[k];
    else if (c === 1) s.bold = true;
    else if (c === 2) s.dim = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 7) s.inverse = true;
    else if (c === 22) {
      delete s.bold;
      delete s.dim;
    } else if (c === 23) delete s.italic;
    else if (c === 24) delete s.underline;
    else if (c === 27) delete s.inverse;
    else if (c >= 30 && c <= 37) s.fg = xtermColor(c - 30);
    else if (c === 39) delete s.fg;
    else if (c >= 40 && c <= 47) s.bg = xtermColor(c - 40);
    else if (c === 49) delete s.bg;
    else if (c >= 90 && c <= 97) s.fg = xtermColor(c - 90 + 8);
    else if (c >= 100 && c <= 107) s.bg = xtermColor(c - 100 + 8);
    else if (c === 38 || c === 48) {
      const key = c === 38 ? "fg" : "bg";
      if (codes[i + 1] === 5 && codes[i + 2] !== undefined) {
        s[key] = xtermColor(codes[i + 2]! & 255);
        i += 2;
      } else if (codes[i + 1] === 2 && codes[i + 4] !== undefined) {
        s[key] = `rgb(${codes[i + 2]},${codes[i + 3]},${codes[i + 4]})`;
        i += 4;
      }
    }
  }
  return s;
}

// CSI sequences (ESC [ params final), OSC sequences (ESC ] ... BEL|ESC \), and lone escapes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are control characters
const ESCAPE = /\x1b\[([0-9;?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** Splits text with ANSI escapes into spans of uniform style (adjacent equal styles merged). */
export function parseAnsi(input: string): AnsiSpan[] {
  const spans: AnsiSpan[] = [];
  let style: AnsiStyle = {};
  let last = 0;
  const push = (text: string) => {
    if (!text) return;
    const prev = spans[spans.length - 1];
    if (prev && sameStyle(prev.style, style)) prev.text += text;
    else spans.push({ text, style });
  };
  for (const m of input.matchAll(ESCAPE)) {
    push(input.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === "m") {
      const codes = (m[1] ?? "").split(";").map((p) => (p === "" ? 0 : Number.parseInt(p, 10)));
      style = applySgr(codes, style);
    }
  }
  push(input.slice(last));
  return spans;
}

function sameStyle(a: AnsiStyle, b: AnsiStyle): boolean {
  const ka = Object.keys(a) as (keyof AnsiStyle)[];
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** Inline CSS for a span's style. */
export function ansiCss(style: AnsiStyle): string {
  let fg = style.fg;
  let bg = style.bg;
  if (style.inverse) {
    [fg, bg] = [bg ?? "var(--output-bg)", fg ?? "var(--text)"];
  }
  const parts: string[] = [];
  if (fg) parts.push(`color:${fg}`);
  // Palette colours as backgrounds are softened (as JupyterLab does) so text on them stays readable.
  if (bg) parts.push(`background:${bg.startsWith("var(--ansi-") ? `color-mix(in srgb, ${bg} 35%, transparent)` : bg}`);
  if (style.bold) parts.push("font-weight:600");
  if (style.dim) parts.push("opacity:.7");
  if (style.italic) parts.push("font-style:italic");
  if (style.underline) parts.push("text-decoration:underline");
  return parts.join(";");
}

/** Removes every escape sequence (for copying, searching, accessible names). */
export function stripAnsi(input: string): string {
  return input.replace(ESCAPE, "");
}

/**
 * Applies carriage returns and backspaces the way a terminal would, so progress bars
 * (`\r` rewrites) show their last state. Works line by line.
 */
export function applyCarriageReturns(text: string): string {
  if (!text.includes("\r") && !text.includes("\x08")) return text;
  return text
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((line) => {
      let out = line.includes("\r") ? line.split("\r").reduce((acc, part) => part + acc.slice(part.length), "") : line;
      // biome-ignore lint/suspicious/noControlCharactersInRegex: backspace
      while (/[^\x08]\x08/.test(out)) out = out.replace(/[^\x08]\x08/, "");
      // biome-ignore lint/suspicious/noControlCharactersInRegex: backspace
      return out.replace(/\x08/g, "");
    })
    .join("\n");
}
