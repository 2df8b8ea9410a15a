import type { Kernel } from "./kernel.ts";

/** How long a completion or inspection may wait for the kernel before it is answered empty. */
const ASSIST_TIMEOUT_MS = 8000;

export interface Completion {
  matches: string[];
  /** Where the replaced text starts and ends, in code points of `code` (Jupyter's unit). */
  cursorStart: number;
  cursorEnd: number;
  /** ipykernel's types (`_jupyter_types_experimental`), one per match when it gives them. */
  types: { text: string; type: string; signature: string }[];
  /** True when a cell is running: ipykernel answers shell requests in order, so nothing was asked. */
  busy: boolean;
}

export interface Inspection {
  found: boolean;
  /** The signature and docstring as plain text (ANSI colours stripped). */
  text: string;
  busy: boolean;
}

/** What the assistant needs from the executor: the notebook's kernel and whether a cell runs on it. */
export interface AssistSource {
  kernelOf(notebookId: string): Kernel | undefined;
  running(notebookId: string): boolean;
}

/**
 * Completion and help over a notebook's own kernel. ipykernel (6.x) handles shell messages one at a
 * time, so a complete_request sent while a cell runs waits until that cell ends. JupyterLab then waits
 * up to its provider timeout and shows the editor's own words; we do not queue stale requests behind
 * the running cell at all and say `busy`, and the web app offers the words of the notebook instead.
 */
export class Assistant {
  constructor(private readonly source: AssistSource) {}

  async complete(notebookId: string, code: string, cursorPos: number): Promise<Completion | null> {
    const kernel = this.source.kernelOf(notebookId);
    if (!kernel) return null;
    const empty = { matches: [], cursorStart: cursorPos, cursorEnd: cursorPos, types: [] };
    if (this.source.running(notebookId)) return { ...empty, busy: true };
    const reply = await this.ask(kernel, "complete_request", { code, cursor_pos: cursorPos });
    if (reply?.content.status !== "ok") return { ...empty, busy: false };
    const c = reply.content;
    const meta = c.metadata as { _jupyter_types_experimental?: unknown[] } | undefined;
    const types = (meta?._jupyter_types_experimental ?? []).flatMap((t) => {
      const x = t as Record<string, unknown>;
      return typeof x.text === "string"
        ? [{ text: x.text, type: String(x.type ?? ""), signature: String(x.signature ?? "") }]
        : [];
    });
    return {
      matches: Array.isArray(c.matches) ? c.matches.filter((m): m is string => typeof m === "string") : [],
      cursorStart: typeof c.cursor_start === "number" ? c.cursor_start : cursorPos,
      cursorEnd: typeof c.cursor_end === "number" ? c.cursor_end : cursorPos,
      types,
      busy: false,
    };
  }

  async inspect(notebookId: string, code: string, cursorPos: number, detailLevel: 0 | 1): Promise<Inspection | null> {
    const kernel = this.source.kernelOf(notebookId);
    if (!kernel) return null;
    if (this.source.running(notebookId)) return { found: false, text: "", busy: true };
    const reply = await this.ask(kernel, "inspect_request", { code, cursor_pos: cursorPos, detail_level: detailLevel });
    if (reply?.content.status !== "ok" || !reply.content.found) return { found: false, text: "", busy: false };
    const data = (reply.content.data ?? {}) as Record<string, unknown>;
    const text = typeof data["text/plain"] === "string" ? stripAnsi(data["text/plain"]) : "";
    return { found: text.length > 0, text, busy: false };
  }

  private async ask(kernel: Kernel, type: string, content: Record<string, unknown>) {
    try {
      const reply = await kernel.request("shell", kernel.message(type, content), ASSIST_TIMEOUT_MS);
      return reply.message();
    } catch {
      // A slow or dying kernel: no suggestions rather than an error under the cursor.
      return null;
    }
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are control characters.
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const stripAnsi = (s: string) => s.replace(ANSI, "");
