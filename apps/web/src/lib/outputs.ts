/**
 * nbformat outputs as the document holds them, and the choices made to show them:
 * which MIME type of a bundle to render, how text is normalised, when to collapse.
 */
export type MultilineString = string | string[];
export type MimeBundle = Record<string, unknown>;

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: MultilineString;
}
export interface DataOutput {
  output_type: "display_data" | "execute_result" | "update_display_data";
  data: MimeBundle;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  transient?: { display_id?: string };
}
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DataOutput | ErrorOutput;

/** Richest first, as JupyterLab orders its renderers. */
export const MIME_PRIORITY = [
  "application/vnd.jupyter.widget-view+json",
  "text/html",
  "image/svg+xml",
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "text/markdown",
  "text/latex",
  "application/json",
  "text/plain",
] as const;

/** MIME types this app renders (widgets are not: their text/plain fallback is used). */
const RENDERABLE = new Set<string>(MIME_PRIORITY.filter((m) => !m.includes("widget")));

/** The MIME type of a bundle to show, or null if none can be shown. */
export function pickMime(data: MimeBundle): string | null {
  for (const mime of MIME_PRIORITY) if (mime in data && RENDERABLE.has(mime)) return mime;
  for (const mime of Object.keys(data)) {
    if (mime.endsWith("+json")) return mime;
  }
  return null;
}

export function joinText(text: unknown): string {
  if (Array.isArray(text)) return text.join("");
  if (typeof text === "string") return text;
  if (text == null) return "";
  return String(text);
}

/** The text of an error's traceback (ANSI kept), or a plain line when the kernel sent none. */
export function tracebackText(out: ErrorOutput): string {
  if (out.traceback?.length) return out.traceback.join("\n");
  return `${out.ename}: ${out.evalue}`;
}

/** An image's `src`: base64 payloads become data URLs; SVG text is encoded. */
export function imageSrc(mime: string, payload: unknown): string {
  const text = joinText(payload);
  if (mime === "image/svg+xml") return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  return `data:${mime};base64,${text.replace(/\s+/g, "")}`;
}

/** Output areas taller than this many lines start collapsed (scrollable, expandable). */
export const COLLAPSE_LINES = 40;

export function countLines(text: string): number {
  let n = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Whether a cell's outputs are long enough to start collapsed. */
export function isLongOutput(outputs: Output[]): boolean {
  let lines = 0;
  for (const o of outputs) {
    if (o.output_type === "stream") lines += countLines(joinText(o.text));
    else if (o.output_type === "error") lines += o.traceback?.length ?? 1;
    else if ("data" in o) {
      const mime = pickMime(o.data);
      lines += mime === "text/plain" ? countLines(joinText(o.data[mime])) : 10;
    }
    if (lines > COLLAPSE_LINES) return true;
  }
  return false;
}

/** Lines an output takes, as isLongOutput counts them. */
function linesOf(o: Output): number {
  if (o.output_type === "stream") return countLines(joinText(o.text).replace(/\n$/, ""));
  if (o.output_type === "error") return o.traceback?.length ?? 1;
  const mime = pickMime(o.data);
  return mime === "text/plain" ? countLines(joinText(o.data[mime])) : 10;
}

/**
 * The last `keep` lines of a cell's outputs (training logs matter at their end) and how many lines
 * came before them. A stream crossing the limit keeps its last lines; earlier outputs are left out.
 */
export function tailOutputs(outputs: Output[], keep = COLLAPSE_LINES): { outputs: Output[]; hidden: number } {
  const kept: Output[] = [];
  let budget = keep;
  let hidden = 0;
  for (let i = outputs.length - 1; i >= 0; i--) {
    const o = outputs[i]!;
    const n = linesOf(o);
    if (budget <= 0) hidden += n;
    else if (n <= budget || o.output_type !== "stream") {
      kept.unshift(o);
      budget -= n;
    } else {
      const lines = joinText(o.text).replace(/\n$/, "").split("\n");
      const trailing = joinText(o.text).endsWith("\n") ? "\n" : "";
      kept.unshift({ ...o, text: `${lines.slice(-budget).join("\n")}${trailing}` });
      hidden += lines.length - budget;
      budget = 0;
    }
  }
  return { outputs: kept, hidden };
}

/** Consecutive stream outputs of the same name merged, as Jupyter shows them. */
export function coalesceStreams(outputs: Output[]): Output[] {
  const result: Output[] = [];
  for (const o of outputs) {
    const prev = result[result.length - 1];
    if (o.output_type === "stream" && prev?.output_type === "stream" && prev.name === o.name) {
      result[result.length - 1] = { ...prev, text: joinText(prev.text) + joinText(o.text) };
    } else result.push(o);
  }
  return result;
}

/** Pretty JSON for application/json (and +json) payloads. */
export function formatJson(payload: unknown): string {
  try {
    return JSON.stringify(typeof payload === "string" ? JSON.parse(payload) : payload, null, 2);
  } catch {
    return joinText(payload);
  }
}

/** Line height of output text in px (matches --code-size × --code-line). */
export const OUTPUT_LINE_PX = 19;

/**
 * A guess of an output area's height before it is rendered (cells far off screen are not),
 * so the page's scroll height is close to right from the start.
 */
export function estimateOutputHeight(outputs: Output[]): number {
  if (!outputs.length) return 0;
  if (isLongOutput(outputs)) return 420;
  let px = 0;
  for (const o of outputs) {
    if (o.output_type === "stream") px += countLines(joinText(o.text).replace(/\n$/, "")) * OUTPUT_LINE_PX + 8;
    else if (o.output_type === "error") px += (o.traceback?.length ?? 1) * OUTPUT_LINE_PX + 8;
    else if ("data" in o) {
      const mime = pickMime(o.data);
      if (mime === "text/plain") px += countLines(joinText(o.data[mime])) * OUTPUT_LINE_PX + 8;
      else if (mime === "text/html") px += 240;
      else if (mime?.startsWith("image/")) px += 200;
      else px += 60;
    }
  }
  return Math.min(px, 420);
}
