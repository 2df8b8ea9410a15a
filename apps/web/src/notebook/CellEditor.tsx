import { defaultKeymap, indentWithTab } from "@codemirror/commands";
import { markdown } from "@codemirror/lang-markdown";
import { python } from "@codemirror/lang-python";
import {
  bracketMatching,
  defaultHighlightStyle,
  foldKeymap,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightSpecialChars,
  keymap,
  placeholder,
} from "@codemirror/view";
import type { CellType } from "@tandem/notebook";
import { createEffect, on, onCleanup, onMount } from "solid-js";
import { yCollab, yUndoManagerKeymap } from "y-codemirror.next";
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import { editModeCommand, type NotebookCommand } from "../lib/keyboard.ts";
import { type KernelAssist, kernelAssistance } from "./completion.ts";

export interface CellEditorProps {
  text: Y.Text;
  awareness: Awareness;
  cellType: CellType;
  readOnly: boolean;
  autofocus?: boolean;
  label: string;
  onCommand: (cmd: NotebookCommand, view: EditorView) => void;
  onFocus: () => void;
  onReady?: (view: EditorView) => void;
  /** Completion and help from the notebook's kernel (code cells one may edit). */
  assist?: KernelAssist;
}

const theme = EditorView.theme({
  "&": { fontSize: "var(--code-size)", backgroundColor: "transparent" },
  ".cm-content": { fontFamily: "var(--mono)", padding: "6px 0" },
  ".cm-line": { padding: "0 10px" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { lineHeight: "var(--code-line)", fontFamily: "var(--mono)" },
  ".cm-activeLine": { backgroundColor: "transparent" },
  "&.cm-focused .cm-activeLine": { backgroundColor: "var(--active-line)" },
  ".cm-ySelectionInfo": {
    fontFamily: "var(--sans)",
    fontSize: "11px",
    padding: "1px 4px",
    borderRadius: "3px",
    opacity: "1",
  },
});

/**
 * One cell's CodeMirror 6 editor bound to the cell's shared text. Undo is a Y.UndoManager on
 * that text tracking only this browser's edits, so it never undoes a collaborator's typing.
 */
export function CellEditor(props: CellEditorProps) {
  let host!: HTMLDivElement;
  let view: EditorView | undefined;
  const language = new Compartment();
  const undoManager = new Y.UndoManager(props.text);

  onMount(() => {
    const runKeys = Prec.highest(
      keymap.of([
        {
          any: (v, event) => {
            const cmd = editModeCommand(event);
            if (!cmd) return false;
            event.preventDefault();
            props.onCommand(cmd, v);
            return true;
          },
        },
      ]),
    );
    view = new EditorView({
      parent: host,
      state: EditorState.create({
        doc: props.text.toString(),
        extensions: [
          runKeys,
          highlightSpecialChars(),
          drawSelection(),
          highlightActiveLine(),
          indentOnInput(),
          bracketMatching(),
          indentUnit.of("    "),
          EditorState.tabSize.of(4),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          language.of(langFor(props.cellType)),
          EditorState.readOnly.of(props.readOnly),
          EditorView.editable.of(!props.readOnly),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ "aria-label": props.label }),
          placeholder(props.readOnly ? "" : props.cellType === "markdown" ? "Markdown text" : "Code"),
          yCollab(props.text, props.awareness, { undoManager }),
          props.assist && props.cellType === "code" && !props.readOnly ? kernelAssistance(props.assist) : [],
          keymap.of([...yUndoManagerKeymap, indentWithTab, ...defaultKeymap, ...foldKeymap]),
          EditorView.domEventHandlers({ focus: () => props.onFocus() }),
          // A cursor moved without typing (click, arrows, Ctrl+End) starts a new undo step, as
          // CodeMirror's own history does, so undo never reaches back past where you moved to.
          EditorView.updateListener.of((u) => {
            if (u.selectionSet && !u.docChanged) undoManager.stopCapturing();
          }),
          theme,
        ],
      }),
    });
    props.onReady?.(view);
    createEffect(
      on(
        () => props.cellType,
        (type) => view?.dispatch({ effects: language.reconfigure(langFor(type)) }),
        { defer: true },
      ),
    );
    if (props.autofocus) view.focus();
  });

  onCleanup(() => {
    view?.destroy();
    undoManager.destroy();
  });

  return <div class="cell-editor" ref={host} />;
}

function langFor(type: CellType) {
  if (type === "markdown") return markdown();
  if (type === "code") return python();
  return [];
}
