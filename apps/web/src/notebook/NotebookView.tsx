import type { EditorView } from "@codemirror/view";
import {
  type CellType,
  cellFromY,
  clearOutputsAt,
  deleteCell,
  insertCell,
  mergeBelow,
  moveCell,
  type NbCell,
  setCellType,
  sourceOf,
  splitCell,
  toggleTag,
} from "@tandem/notebook";
import { createEffect, createMemo, createSignal, For, type JSX, onCleanup, Show } from "solid-js";
import { Avatar } from "../components/Avatar.tsx";
import { messageOf } from "../components/ErrorNote.tsx";
import { ApiError, api, type ExecuteTarget } from "../lib/api.ts";
import { type ChordState, commandModeCommand, type NotebookCommand, SHORTCUTS } from "../lib/keyboard.ts";
import { colorFor, lightColor } from "../lib/presence.ts";
import { CellView } from "./CellView.tsx";
import { ConnectionBanner } from "./ConnectionBanner.tsx";
import type { KernelAssist } from "./completion.ts";
import type { NotebookConnection } from "./connection.ts";
import { KernelBadge } from "./KernelBadge.tsx";
import { KernelPicker } from "./KernelPicker.tsx";
import { useCells, useKernel, usePeers } from "./useNotebookState.ts";

export interface NotebookViewProps {
  notebookId: string;
  conn: NotebookConnection;
  /** Viewers and share links: nothing can be changed or run. */
  readOnly: boolean;
  me: { id?: string; name: string };
  title: JSX.Element;
  /** Extra toolbar content (share, history…). */
  actions?: JSX.Element;
  /** Ctrl+S: save a named version. */
  onSaveVersion?: () => void;
  /** Told which cell is selected (the notebook page runs "from here" on the server). */
  onActiveCell?: (cellId: string | null, index: number) => void;
  /** Select and scroll to this cell (a new object each time it is asked, so asking twice works). */
  reveal?: { cellId: string } | null;
  /** False hides the kernel's state (a finished run's record: its kernel is gone, by design). */
  showKernel?: boolean;
}

/** Origin of this browser's structural edits (so they are told apart from remote ones). */
const LOCAL = { local: true };

export function NotebookView(props: NotebookViewProps) {
  const doc = props.conn.doc;
  const awareness = props.conn.provider.awareness;
  const cells = useCells(doc);
  const peers = usePeers(awareness, props.me.id);
  const kernel = useKernel(doc);
  const [activeId, setActiveId] = createSignal<string | null>(null);
  const [mode, setMode] = createSignal<"command" | "edit">("command");
  const [wantFocus, setWantFocus] = createSignal<string | null>(null);
  const [message, setMessage] = createSignal<string | null>(null);
  const [showHelp, setShowHelp] = createSignal(false);
  const [askRestart, setAskRestart] = createSignal<"restart" | "run-all" | null>(null);
  const editors = new Map<string, EditorView>();
  const deleted: { index: number; cell: NbCell }[] = [];
  let clipboard: NbCell | null = null;
  let chord: ChordState = { key: null, at: 0 };
  let listEl!: HTMLDivElement;

  const assist: KernelAssist | undefined = props.readOnly
    ? undefined
    : {
        complete: (code, pos) => api.complete(props.notebookId, code, pos),
        inspect: (code, pos) => api.inspect(props.notebookId, code, pos),
        notebookText: () =>
          cells()
            .map((c) => sourceOf(c).toString())
            .join("\n"),
      };

  // input() belongs to the person who ran the cell, in any of their tabs and after a reload.
  const inputIsMine = () => {
    const req = kernel().inputRequest;
    if (!req) return false;
    return req.userId && props.me.id ? req.userId === props.me.id : req.clientId === doc.clientID;
  };

  const color = colorFor(props.me.id ?? props.me.name);
  awareness.setLocalStateField("user", { name: props.me.name, color, colorLight: lightColor(color), id: props.me.id });
  createEffect(() => awareness.setLocalStateField("cell", activeId()));

  const activeIndex = createMemo(() => {
    const id = activeId();
    const list = cells();
    const i = id ? list.findIndex((c) => c.get("id") === id) : -1;
    return i;
  });
  createEffect(() => props.onActiveCell?.(activeId(), activeIndex()));
  createEffect(() => {
    const r = props.reveal;
    if (r) queueMicrotask(() => select(r.cellId));
  });

  // Keep a selection: the first cell once cells arrive, a neighbour when the active one is deleted.
  let lastIndex = 0;
  createEffect(() => {
    const list = cells();
    const i = activeIndex();
    if (i >= 0) lastIndex = i;
    else if (list.length) setActiveId(list[Math.min(lastIndex, list.length - 1)]!.get("id") as string);
    else setActiveId(null);
  });

  // Big notebooks render in slices, first the top of the page, then the rest a frame at a time,
  // so the first cells show at once and the page never blocks for long.
  // Each later slice is sized to take about SLICE_MS, so no task is long enough to delay input.
  const FIRST_SLICE = 24;
  const SLICE_MS = 25;
  const [limit, setLimit] = createSignal(FIRST_SLICE);
  let sliceSize = 16;
  let growing = 0;
  createEffect(() => {
    const total = cells().length;
    if (limit() >= total || growing) return;
    growing = window.setTimeout(() => {
      growing = 0;
      const started = performance.now();
      setLimit((n) => Math.min(n + sliceSize, cells().length));
      const took = Math.max(1, performance.now() - started);
      sliceSize = Math.max(4, Math.min(200, Math.round((sliceSize * SLICE_MS) / took)));
    }, 0);
  });
  onCleanup(() => clearTimeout(growing));
  const shown = createMemo(() => {
    const list = cells();
    return list.length > limit() ? list.slice(0, limit()) : list;
  });

  const peersOn = (id: string) => peers().filter((p) => p.cellId === id);
  const idAt = (i: number): string | null => (cells()[i]?.get("id") as string | undefined) ?? null;

  const say = (text: string) => {
    setMessage(text);
  };

  const select = (id: string | null, opts: { scroll?: boolean } = {}) => {
    if (!id) return;
    setActiveId(id);
    if (opts.scroll !== false) {
      queueMicrotask(() => listEl?.querySelector(`[data-cell-id="${id}"]`)?.scrollIntoView({ block: "nearest" }));
    }
  };

  const enterCommandMode = () => {
    setMode("command");
    (document.activeElement as HTMLElement | null)?.blur?.();
    listEl.focus({ preventScroll: true });
  };

  const enterEditMode = (id: string | null = activeId()) => {
    if (!id || props.readOnly) return;
    setActiveId(id);
    setMode("edit");
    const view = editors.get(id);
    if (view) view.focus();
    else setWantFocus(id);
  };

  const run = async (target: ExecuteTarget) => {
    if (props.readOnly) return;
    try {
      await api.execute(props.notebookId, target, { clientId: doc.clientID, cellId: idAt(activeIndex()) ?? undefined });
      setMessage(null);
    } catch (err) {
      say(
        err instanceof ApiError && err.status === 404 && err.code === "http_error"
          ? "Running cells needs the kernel gateway, which this server does not have."
          : `Could not run: ${messageOf(err)}`,
      );
    }
  };

  /** Runs the active cell: code goes to the kernel; markdown is rendered. */
  const runActive = () => {
    const i = activeIndex();
    const cell = cells()[i];
    if (!cell) return;
    if (cell.get("cell_type") === "code") void run([cell.get("id") as string]);
  };

  const insertAt = (index: number, type: CellType = "code") => {
    const id = insertCell(doc, index, { cell_type: type }, LOCAL);
    return id;
  };

  const command = (cmd: NotebookCommand, view?: EditorView) => {
    const i = activeIndex();
    const ro = props.readOnly;
    const edits = !ro;
    switch (cmd) {
      case "run-and-advance": {
        runActive();
        if (i + 1 < cells().length) {
          select(idAt(i + 1));
          if (mode() === "edit") enterCommandMode();
        } else if (edits) {
          const id = insertAt(i + 1);
          enterEditMode(id);
          return;
        }
        setMode("command");
        listEl.focus({ preventScroll: true });
        return;
      }
      case "run":
        runActive();
        enterCommandMode();
        return;
      case "run-and-insert": {
        runActive();
        if (edits) enterEditMode(insertAt(i + 1));
        return;
      }
      case "enter-edit":
        return enterEditMode();
      case "enter-command":
        return enterCommandMode();
      case "select-prev":
        return select(idAt(Math.max(0, i - 1)));
      case "select-next":
        return select(idAt(Math.min(cells().length - 1, i + 1)));
      case "interrupt":
        if (edits) void api.interrupt(props.notebookId).catch((err) => say(`Could not interrupt: ${messageOf(err)}`));
        return;
      case "restart":
        if (edits) void api.restart(props.notebookId).catch((err) => say(`Could not restart: ${messageOf(err)}`));
        return;
      case "copy-cell": {
        const cell = cells()[i];
        if (cell) clipboard = cellFromY(cell);
        return;
      }
      case "save-version":
        if (edits) props.onSaveVersion?.();
        return;
    }
    if (!edits) return;
    switch (cmd) {
      case "insert-above":
        select(insertAt(Math.max(0, i)));
        return;
      case "insert-below":
        select(insertAt(i + 1));
        return;
      case "delete-cell": {
        const cell = deleteCell(doc, i, LOCAL);
        if (cell) deleted.push({ index: i, cell });
        return;
      }
      case "cut-cell": {
        const cell = deleteCell(doc, i, LOCAL);
        if (cell) {
          clipboard = cell;
          deleted.push({ index: i, cell });
        }
        return;
      }
      case "paste-below":
        if (clipboard) select(insertCell(doc, i + 1, { ...clipboard, id: undefined }, LOCAL));
        return;
      case "undo-delete": {
        const last = deleted.pop();
        if (last) select(insertCell(doc, last.index, last.cell, LOCAL));
        return;
      }
      case "to-code":
        return setCellType(doc, i, "code", LOCAL);
      case "to-markdown":
        return setCellType(doc, i, "markdown", LOCAL);
      case "to-raw":
        return setCellType(doc, i, "raw", LOCAL);
      case "move-up":
        if (i > 0) moveCell(doc, i, i - 1, LOCAL);
        return;
      case "move-down":
        if (i >= 0 && i + 1 < cells().length) moveCell(doc, i, i + 1, LOCAL);
        return;
      case "merge-below":
        mergeBelow(doc, i, LOCAL);
        return;
      case "split-cell": {
        const offset = view?.state.selection.main.head ?? 0;
        const id = splitCell(doc, i, offset, LOCAL);
        if (id) enterEditMode(id);
        return;
      }
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (target.closest(".cm-editor") || target.closest("input, textarea, select, button, a, [contenteditable=true]"))
      return;
    const result = commandModeCommand(e, chord, performance.now());
    chord = result.chord;
    if (result.command) {
      e.preventDefault();
      command(result.command);
    } else if (result.chord.key) e.preventDefault();
  };

  // Leaving edit mode when focus leaves every editor (e.g. a click on the page).
  const onFocusOut = (e: FocusEvent) => {
    const next = e.relatedTarget as HTMLElement | null;
    if (mode() === "edit" && !next?.closest?.(".cm-editor")) setMode("command");
  };

  onCleanup(() => editors.clear());

  return (
    <div class="notebook" classList={{ "notebook-readonly": props.readOnly }}>
      <div class="nb-toolbar" role="toolbar" aria-label="Notebook">
        <div class="nb-toolbar-row">
          <div class="nb-title">{props.title}</div>
          <span class="spacer" />
          <div class="presence">
            <span class="sr-only">People here:</span>
            <Avatar name={props.me.name} id={props.me.id} size="sm" title={`${props.me.name} (you)`} />
            <For each={peers()}>{(p) => <Avatar name={p.user.name} color={p.user.color} size="sm" />}</For>
          </div>
          {props.actions}
          <button
            type="button"
            class="btn btn-icon"
            aria-label="Keyboard shortcuts"
            aria-expanded={showHelp()}
            onClick={() => setShowHelp(!showHelp())}
          >
            ?
          </button>
        </div>
        <div class="nb-toolbar-row">
          <Show when={!props.readOnly}>
            <div class="btn-group">
              <button
                type="button"
                class="btn"
                title="Insert a code cell below (B)"
                onClick={() => select(insertAt(activeIndex() + 1))}
              >
                + Code
              </button>
              <button
                type="button"
                class="btn"
                title="Insert a markdown cell below"
                onClick={() => {
                  const id = insertAt(activeIndex() + 1, "markdown");
                  enterEditMode(id);
                }}
              >
                + Markdown
              </button>
              <label class="sr-only" for="cell-type">
                Cell type
              </label>
              <select
                id="cell-type"
                class="input input-sm"
                value={(cells()[activeIndex()]?.get("cell_type") as string) ?? "code"}
                onChange={(e) => setCellType(doc, activeIndex(), e.currentTarget.value as CellType, LOCAL)}
                disabled={activeIndex() < 0}
              >
                <option value="code">Code</option>
                <option value="markdown">Markdown</option>
                <option value="raw">Raw</option>
              </select>
              <button
                type="button"
                class="btn btn-icon"
                aria-label="Move cell up"
                title="Move up (Shift+↑)"
                onClick={() => command("move-up")}
              >
                ↑
              </button>
              <button
                type="button"
                class="btn btn-icon"
                aria-label="Move cell down"
                title="Move down (Shift+↓)"
                onClick={() => command("move-down")}
              >
                ↓
              </button>
              <button
                type="button"
                class="btn btn-icon"
                aria-label="Delete cell"
                title="Delete (D, D)"
                onClick={() => command("delete-cell")}
              >
                ✕
              </button>
              <button
                type="button"
                class="btn btn-icon"
                aria-label="Clear output"
                title="Clear output"
                onClick={() => clearOutputsAt(doc, activeIndex(), LOCAL)}
              >
                ⌫
              </button>
            </div>
            <div class="btn-group">
              <button
                type="button"
                class="btn"
                title="Run cell (Shift+Enter)"
                aria-label="Run cell"
                onClick={() => command("run-and-advance")}
              >
                ▶ Run
              </button>
              <button type="button" class="btn" title="Run all cells" onClick={() => void run("all")}>
                Run all
              </button>
              <button
                type="button"
                class="btn btn-icon"
                aria-label="Interrupt kernel"
                title="Interrupt (I, I)"
                onClick={() => command("interrupt")}
              >
                ■
              </button>
              <Show
                when={askRestart()}
                fallback={
                  <>
                    <button
                      type="button"
                      class="btn btn-icon"
                      aria-label="Restart kernel"
                      title="Restart (0, 0)"
                      onClick={() => setAskRestart("restart")}
                    >
                      ↻
                    </button>
                    <button
                      type="button"
                      class="btn btn-icon"
                      aria-label="Restart kernel and run all cells"
                      title="Restart and run all"
                      style={{ width: "auto", padding: "0 6px" }}
                      onClick={() => setAskRestart("run-all")}
                    >
                      ↻▶
                    </button>
                  </>
                }
              >
                {/* A restart loses the kernel's variables: asked once more in place, as JupyterLab asks. */}
                <fieldset class="confirm confirm-restart" aria-label="Confirm restart">
                  <span class="small">Restart the kernel? Its variables are lost.</span>
                  <button
                    type="button"
                    class="btn btn-sm btn-danger-solid"
                    ref={(el) => queueMicrotask(() => el.focus())}
                    onClick={() => {
                      const runAll = askRestart() === "run-all";
                      setAskRestart(null);
                      void api
                        .restart(props.notebookId, runAll)
                        .catch((err) => say(`Could not restart: ${messageOf(err)}`));
                    }}
                  >
                    {askRestart() === "run-all" ? "Restart and run all" : "Restart"}
                  </button>
                  <button type="button" class="btn btn-sm btn-ghost" onClick={() => setAskRestart(null)}>
                    Cancel
                  </button>
                </fieldset>
              </Show>
            </div>
          </Show>
          <Show when={props.showKernel !== false}>
            <Show
              when={!props.readOnly}
              fallback={<KernelBadge kernel={kernel()} offline={props.conn.state() === "offline"} />}
            >
              <KernelPicker
                notebookId={props.notebookId}
                kernel={kernel()}
                offline={props.conn.state() === "offline"}
                say={say}
              />
            </Show>
          </Show>
        </div>
      </div>
      <ConnectionBanner conn={props.conn} readOnly={props.readOnly} />
      <Show when={message()}>
        <div class="notice notice-warn nb-message" role="alert">
          {message()}
          <button type="button" class="btn-link" onClick={() => setMessage(null)}>
            Dismiss
          </button>
        </div>
      </Show>
      <Show when={showHelp()}>
        <aside class="help" aria-label="Keyboard shortcuts">
          <dl>
            <For each={SHORTCUTS}>
              {(s) => (
                <>
                  <dt>
                    <kbd>{s.keys}</kbd>
                  </dt>
                  <dd>{s.what}</dd>
                </>
              )}
            </For>
          </dl>
        </aside>
      </Show>
      {/* In command mode the notebook handles keys itself (Jupyter's A/B/DD/M/Y…): an application
          region that takes focus (tabIndex set in ref: biome does not count role=application as interactive). */}
      <div
        ref={(el) => {
          listEl = el;
          el.tabIndex = 0;
        }}
        class="cells"
        role="application"
        aria-label="Notebook cells. Command mode: Enter edits the selected cell, A or B inserts, D D deletes, arrows move."
        aria-roledescription="notebook"
        onKeyDown={onKeyDown}
        onFocusOut={onFocusOut}
      >
        <Show
          when={props.conn.synced() || cells().length}
          fallback={
            <p class="muted cells-loading" role="status">
              {props.conn.state() === "offline" ? "Waiting for the server to open this notebook…" : "Opening notebook…"}
            </p>
          }
        >
          <Show when={cells().length === 0}>
            <div class="empty">
              <p class="muted">This notebook is empty.</p>
              <Show when={!props.readOnly}>
                <button type="button" class="btn btn-primary" onClick={() => enterEditMode(insertAt(0))}>
                  Add a code cell
                </button>
              </Show>
            </div>
          </Show>
          <For each={shown()}>
            {(cell, index) => {
              const id = cell.get("id") as string;
              return (
                <CellView
                  cell={cell}
                  index={index()}
                  active={activeId() === id}
                  editing={mode() === "edit" && activeId() === id}
                  readOnly={props.readOnly}
                  awareness={awareness}
                  peers={peersOn(id)}
                  wantFocus={wantFocus() === id}
                  onSelect={() => select(id, { scroll: false })}
                  onEditFocus={() => {
                    setActiveId(id);
                    setMode("edit");
                    if (wantFocus() === id) setWantFocus(null);
                  }}
                  onEnterEdit={() => enterEditMode(id)}
                  onCommand={(cmd, view) => {
                    setActiveId(id);
                    command(cmd, view);
                  }}
                  inputRequest={kernel().inputRequest?.cellId === id ? kernel().inputRequest : null}
                  inputIsMine={inputIsMine()}
                  assist={assist}
                  onToggleTag={(tag) => !props.readOnly && toggleTag(doc, cell, tag, LOCAL)}
                  onInput={async (value) => {
                    try {
                      await api.input(props.notebookId, value);
                    } catch (err) {
                      say(`Could not send input: ${messageOf(err)}`);
                    }
                  }}
                  registerEditor={(view) => {
                    editors.set(id, view);
                    // A moved cell is a new cell map with the same id: forget only this editor.
                    return () => {
                      if (editors.get(id) === view) editors.delete(id);
                    };
                  }}
                />
              );
            }}
          </For>
        </Show>
      </div>
    </div>
  );
}
