import {
  acceptCompletion,
  autocompletion,
  type Completion,
  type CompletionContext,
  type CompletionResult,
  completionStatus,
  startCompletion,
} from "@codemirror/autocomplete";
import { type EditorState, type Extension, Prec, StateEffect, StateField } from "@codemirror/state";
import { EditorView, keymap, showTooltip, type Tooltip } from "@codemirror/view";
import type { CompletionReply, InspectionReply } from "../lib/api.ts";

/** What the editor asks of the notebook's kernel (the server's `/complete` and `/inspect`). */
export interface KernelAssist {
  complete(code: string, cursorPos: number): Promise<CompletionReply>;
  inspect(code: string, cursorPos: number): Promise<InspectionReply>;
  /** The notebook's text, for word completion when the kernel cannot answer (busy, not started). */
  notebookText(): string;
}

/** Jupyter counts positions in code points; CodeMirror in UTF-16 units. */
export const toCodePoints = (text: string, offset: number) => [...text.slice(0, offset)].length;
export function fromCodePoints(text: string, points: number): number {
  let units = 0;
  let seen = 0;
  for (const ch of text) {
    if (seen === points) break;
    units += ch.length;
    seen++;
  }
  return units;
}

const KERNEL_TYPES: Record<string, string> = {
  function: "function",
  class: "class",
  module: "namespace",
  keyword: "keyword",
  instance: "variable",
  statement: "variable",
  param: "variable",
  property: "property",
  path: "text",
  magic: "keyword",
};

/** JupyterLab's context completer: the notebook's own words that start with what is typed. */
function wordCompletions(ctx: CompletionContext, text: string): CompletionResult | null {
  const word = ctx.matchBefore(/[A-Za-z_]\w*/);
  if (!word) return null;
  const seen = new Set<string>();
  for (const m of text.matchAll(/[A-Za-z_]\w{2,}/g)) if (m[0] !== word.text) seen.add(m[0]);
  const options = [...seen].filter((w) => w.startsWith(word.text)).map((label) => ({ label, type: "text" }));
  return options.length ? { from: word.from, options, validFor: /^\w*$/ } : null;
}

/**
 * One kernel question at a time, asked as soon as Tab is pressed: CodeMirror waits ~50 ms before it
 * runs an explicitly started source, and the round trip to the kernel overlaps that wait.
 */
class Asker {
  private last?: { code: string; pos: number; reply: Promise<CompletionReply | null> };
  constructor(private readonly assist: KernelAssist) {}
  /** Asks ahead, for the source to take. */
  ask(code: string, pos: number) {
    const reply = this.assist.complete(code, toCodePoints(code, pos)).catch(() => null);
    this.last = { code, pos, reply };
  }
  /** The answer asked ahead for this very text and cursor (used once: the kernel's names change), or a new one. */
  take(code: string, pos: number): Promise<CompletionReply | null> {
    const last = this.last;
    this.last = undefined;
    if (last?.code === code && last.pos === pos) return last.reply;
    return this.assist.complete(code, toCodePoints(code, pos)).catch(() => null);
  }
}

function kernelSource(assist: KernelAssist, asker: Asker) {
  return async (ctx: CompletionContext): Promise<CompletionResult | null> => {
    const code = ctx.state.doc.toString();
    const reply = await asker.take(code, ctx.pos);
    if (ctx.aborted) return null;
    if (!reply || reply.busy || reply.matches.length === 0) return wordCompletions(ctx, assist.notebookText());
    const types = new Map(reply.types.map((t) => [t.text, t]));
    const from = fromCodePoints(code, reply.cursorStart);
    const prefix = code.slice(from, ctx.pos);
    const options: Completion[] = reply.matches.map((label, i) => {
      const t = types.get(label);
      // IPython says "<unknown>" when working the type out took too long.
      // The kernel ranks its matches; keep its order.
      return {
        label,
        type: t && t.type !== "<unknown>" ? (KERNEL_TYPES[t.type] ?? t.type) : undefined,
        detail: t?.signature || undefined,
        boost: -i / 1000,
      };
    });
    return {
      from,
      to: fromCodePoints(code, reply.cursorEnd),
      options,
      validFor: prefix.includes(".") ? undefined : /^\w*$/,
    };
  };
}

const setHelp = StateEffect.define<Tooltip | null>();
const helpField = StateField.define<Tooltip | null>({
  create: () => null,
  update(value, tr) {
    for (const e of tr.effects) if (e.is(setHelp)) return e.value;
    return tr.docChanged || tr.selection ? null : value;
  },
  provide: (f) => showTooltip.from(f),
});

/** Whether the cursor follows something to complete (else Tab and Shift+Tab indent, as in Jupyter). */
function afterText(state: EditorState): boolean {
  const sel = state.selection.main;
  if (!sel.empty) return false;
  const line = state.doc.lineAt(sel.head);
  return line.text.slice(0, sel.head - line.from).trim().length > 0;
}

async function showHelp(view: EditorView, assist: KernelAssist) {
  const pos = view.state.selection.main.head;
  const code = view.state.doc.toString();
  const reply = await assist.inspect(code, toCodePoints(code, pos)).catch(() => null);
  if (view.state.selection.main.head !== pos || view.state.doc.toString() !== code) return;
  const text = reply?.found ? reply.text : reply?.busy ? "The kernel is busy running a cell." : "No help found.";
  view.dispatch({
    effects: setHelp.of({
      pos,
      above: false,
      create: () => {
        const dom = document.createElement("div");
        dom.className = "kernel-help";
        dom.setAttribute("role", "tooltip");
        const pre = document.createElement("pre");
        pre.textContent = text;
        dom.append(pre);
        return { dom };
      },
    }),
  });
}

/** Tab completes from the kernel, Shift+Tab shows the signature and docstring. */
export function kernelAssistance(assist: KernelAssist): Extension {
  const asker = new Asker(assist);
  return [
    // The popup opens only on Tab, never while typing, so Enter may accept it at once.
    autocompletion({ override: [kernelSource(assist, asker)], activateOnTyping: false, interactionDelay: 0 }),
    helpField,
    EditorView.focusChangeEffect.of((_state, focusing) => (focusing ? null : setHelp.of(null))),
    Prec.high(
      keymap.of([
        {
          key: "Tab",
          run: (view) => {
            if (completionStatus(view.state) !== null) return acceptCompletion(view) || true;
            if (!afterText(view.state)) return false;
            asker.ask(view.state.doc.toString(), view.state.selection.main.head);
            return startCompletion(view);
          },
        },
        {
          key: "Shift-Tab",
          run: (view) => {
            if (!afterText(view.state)) return false;
            void showHelp(view, assist);
            return true;
          },
        },
        {
          key: "Escape",
          run: (view) => {
            if (!view.state.field(helpField)) return false;
            view.dispatch({ effects: setHelp.of(null) });
            return true;
          },
        },
      ]),
    ),
  ];
}
