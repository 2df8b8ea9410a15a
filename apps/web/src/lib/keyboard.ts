/**
 * Jupyter's keyboard habits as a pure mapping from a key press to a notebook command, so the
 * behaviour is testable without a browser. Edit mode keys come from inside the cell editor;
 * command mode keys from the notebook when no editor has focus.
 */
export type NotebookCommand =
  | "run-and-advance"
  | "run"
  | "run-and-insert"
  | "enter-edit"
  | "enter-command"
  | "insert-above"
  | "insert-below"
  | "delete-cell"
  | "to-markdown"
  | "to-code"
  | "to-raw"
  | "select-prev"
  | "select-next"
  | "move-up"
  | "move-down"
  | "split-cell"
  | "merge-below"
  | "undo-delete"
  | "interrupt"
  | "restart"
  | "save-version"
  | "copy-cell"
  | "cut-cell"
  | "paste-below";

export interface KeyPress {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
}

export type Mode = "command" | "edit";

/** Keys pressed before (for two-key chords like D,D and I,I) and when. */
export interface ChordState {
  key: string | null;
  at: number;
}

export const CHORD_MS = 800;

function mods(k: KeyPress) {
  const primary = !!(k.ctrlKey || k.metaKey);
  return { primary, shift: !!k.shiftKey, alt: !!k.altKey };
}

/** Keys handled in both modes (the run keys). */
function runKey(k: KeyPress): NotebookCommand | null {
  if (k.key !== "Enter") return null;
  const { primary, shift, alt } = mods(k);
  if (shift && !primary && !alt) return "run-and-advance";
  if (primary && !shift && !alt) return "run";
  if (alt && !primary && !shift) return "run-and-insert";
  return null;
}

/** Edit mode: only run keys, Escape, and split (Ctrl+Shift+Minus); everything else is the editor's. */
export function editModeCommand(k: KeyPress): NotebookCommand | null {
  const run = runKey(k);
  if (run) return run;
  const { primary, shift, alt } = mods(k);
  if (k.key === "Escape" && !primary && !shift && !alt) return "enter-command";
  if (primary && shift && !alt && (k.key === "-" || k.key === "_")) return "split-cell";
  return null;
}

/**
 * Command mode. Returns the command and the chord state to keep. `now` is a monotonic time
 * in ms used to expire a half-typed chord.
 */
export function commandModeCommand(
  k: KeyPress,
  chord: ChordState,
  now: number,
): { command: NotebookCommand | null; chord: ChordState } {
  const none = { key: null, at: 0 };
  const run = runKey(k);
  if (run) return { command: run, chord: none };
  const { primary, shift, alt } = mods(k);
  if (alt || (primary && k.key !== "s")) return { command: null, chord: none };
  if (primary && k.key === "s") return { command: "save-version", chord: none };
  const pending = chord.key && now - chord.at <= CHORD_MS ? chord.key : null;
  const key = k.key.length === 1 ? k.key.toLowerCase() : k.key;
  if (shift && key === "m") return { command: "merge-below", chord: none };
  if (shift && k.key === "ArrowUp") return { command: "move-up", chord: none };
  if (shift && k.key === "ArrowDown") return { command: "move-down", chord: none };
  if (shift) return { command: null, chord: none };
  switch (key) {
    case "Enter":
      return { command: "enter-edit", chord: none };
    case "a":
      return { command: "insert-above", chord: none };
    case "b":
      return { command: "insert-below", chord: none };
    case "m":
      return { command: "to-markdown", chord: none };
    case "y":
      return { command: "to-code", chord: none };
    case "r":
      return { command: "to-raw", chord: none };
    case "z":
      return { command: "undo-delete", chord: none };
    case "c":
      return { command: "copy-cell", chord: none };
    case "x":
      return { command: "cut-cell", chord: none };
    case "v":
      return { command: "paste-below", chord: none };
    case "k":
    case "ArrowUp":
      return { command: "select-prev", chord: none };
    case "j":
    case "ArrowDown":
      return { command: "select-next", chord: none };
    case "d":
      return pending === "d"
        ? { command: "delete-cell", chord: none }
        : { command: null, chord: { key: "d", at: now } };
    case "i":
      return pending === "i" ? { command: "interrupt", chord: none } : { command: null, chord: { key: "i", at: now } };
    case "0":
      return pending === "0" ? { command: "restart", chord: none } : { command: null, chord: { key: "0", at: now } };
    default:
      return { command: null, chord: none };
  }
}

/** The shortcuts shown in the help dialog. */
export const SHORTCUTS: { keys: string; what: string }[] = [
  { keys: "Shift+Enter", what: "Run cell and select below" },
  { keys: "Ctrl+Enter", what: "Run cell" },
  { keys: "Alt+Enter", what: "Run cell and insert below" },
  { keys: "Esc / Enter", what: "Command mode / edit mode" },
  { keys: "A / B", what: "Insert cell above / below" },
  { keys: "D, D", what: "Delete cell" },
  { keys: "Z", what: "Undo cell deletion" },
  { keys: "M / Y / R", what: "Markdown / code / raw" },
  { keys: "Shift+M", what: "Merge with cell below" },
  { keys: "Ctrl+Shift+-", what: "Split cell at cursor" },
  { keys: "↑ ↓ / K J", what: "Select previous / next cell" },
  { keys: "Shift+↑ / Shift+↓", what: "Move cell up / down" },
  { keys: "C / X / V", what: "Copy / cut / paste cell" },
  { keys: "I, I", what: "Interrupt kernel" },
  { keys: "0, 0", what: "Restart kernel" },
  { keys: "Ctrl+S", what: "Save a named version" },
];
