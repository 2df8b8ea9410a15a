import type { EditorView } from "@codemirror/view";
import { type CellType, executionStateOf, type InputRequest, sourceOf, tagsOf, type YCell } from "@tandem/notebook";
import { createMemo, createSignal, For, onCleanup, onMount, Show } from "solid-js";
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import type { NotebookCommand } from "../lib/keyboard.ts";
import { renderMarkdown } from "../lib/markdown.ts";
import { estimateOutputHeight, type Output } from "../lib/outputs.ts";
import type { PeerState } from "../lib/presence.ts";
import { sanitizeHtml } from "../lib/sanitize.ts";
import { whenNearViewport } from "../lib/visibility.ts";
import { CellEditor } from "./CellEditor.tsx";
import type { KernelAssist } from "./completion.ts";
import { InputPrompt } from "./InputPrompt.tsx";
import { OutputArea } from "./OutputArea.tsx";

export interface CellViewProps {
  cell: YCell;
  index: number;
  active: boolean;
  editing: boolean;
  readOnly: boolean;
  awareness: Awareness;
  peers: PeerState[];
  /** Mount the editor now and focus it (edit mode asked for a cell not yet on screen). */
  wantFocus: boolean;
  onSelect: () => void;
  onEditFocus: () => void;
  onEnterEdit: () => void;
  onCommand: (cmd: NotebookCommand, view?: EditorView) => void;
  /** Makes the editor reachable for focus; the returned function forgets it. */
  registerEditor: (view: EditorView) => () => void;
  /** The kernel's input() prompt when it is this cell's. */
  inputRequest: InputRequest | null;
  inputIsMine: boolean;
  onInput: (value: string) => Promise<void>;
  assist?: KernelAssist;
  /** Adds or removes a tag in the cell's metadata.tags (the `parameters` toggle). */
  onToggleTag: (tag: string) => void;
}

/** Reads a Y.Map key as a signal that follows remote changes. */
function useMapKey<T>(map: Y.Map<any>, key: string): () => T {
  const [value, setValue] = createSignal<T>(map.get(key), { equals: false });
  const onChange = (e: Y.YMapEvent<any>) => {
    if (e.keysChanged.has(key)) setValue(() => map.get(key));
  };
  map.observe(onChange);
  onCleanup(() => map.unobserve(onChange));
  return value;
}

/** The cell's metadata.tags as a signal that follows remote changes. */
function useTags(cell: YCell): () => string[] {
  const [value, setValue] = createSignal(tagsOf(cell));
  const onChange = () => setValue(tagsOf(cell));
  cell.observeDeep(onChange);
  onCleanup(() => cell.unobserveDeep(onChange));
  return value;
}

/** The text of a Y.Text as a signal (for the static view before the editor mounts). */
function useText(text: Y.Text): () => string {
  const [value, setValue] = createSignal(text.toString());
  const onChange = () => setValue(text.toString());
  text.observe(onChange);
  onCleanup(() => text.unobserve(onChange));
  return value;
}

export function CellView(props: CellViewProps) {
  const cellType = useMapKey<CellType>(props.cell, "cell_type");
  const executionCount = useMapKey<number | null>(props.cell, "execution_count");
  const executionState = useMapKey<unknown>(props.cell, "execution_state");
  const outputs = useMapKey<unknown>(props.cell, "outputs");
  const tags = useTags(props.cell);
  const isParameters = () => tags().includes("parameters");
  const text = sourceOf(props.cell);
  const source = useText(text);
  const id = props.cell.get("id") as string;
  const state = createMemo(() => {
    executionState();
    return executionStateOf(props.cell);
  });
  const [visible, setVisible] = createSignal(false);
  let root!: HTMLElement;

  onMount(() => onCleanup(whenNearViewport(root, () => setVisible(true))));

  const showRendered = () => cellType() === "markdown" && !props.editing;
  const mountEditor = () => !showRendered() && (visible() || props.wantFocus || props.editing);
  const prompt = () => {
    if (cellType() !== "code") return "";
    if (state() === "running") return "[*]:";
    if (state() === "queued") return "[…]:";
    return `[${executionCount() ?? " "}]:`;
  };

  return (
    <article
      ref={root}
      class={`cell cell-${cellType()} ${props.active ? "cell-active" : ""} ${props.active && props.editing ? "cell-editing" : ""} cell-${state()}`}
      data-cell-id={id}
      data-index={props.index}
      aria-label={`Cell ${props.index + 1}, ${cellType()}${state() === "running" ? ", running" : ""}`}
      aria-current={props.active ? "true" : undefined}
      onMouseDown={() => props.onSelect()}
    >
      <div class="cell-gutter">
        <span class="prompt" aria-hidden={cellType() !== "code"}>
          {prompt()}
        </span>
        <Show when={state() === "running"}>
          <span class="run-indicator" role="status" aria-label="Running" />
        </Show>
        <Show when={cellType() === "code" && (isParameters() || (props.active && !props.readOnly))}>
          <button
            type="button"
            class={`cell-tag ${isParameters() ? "cell-tag-on" : ""}`}
            aria-pressed={isParameters()}
            disabled={props.readOnly}
            title={
              isParameters()
                ? "This is the notebook's parameters cell: runs inject their parameters after it. Click to untag."
                : "Tag as the parameters cell: runs with parameters inject their values right after it"
            }
            onMouseDown={(e) => e.stopPropagation()}
            onClick={() => props.onToggleTag("parameters")}
          >
            parameters
          </button>
        </Show>
        <div class="cell-peers">
          <For each={props.peers}>
            {(p) => (
              <span
                role="img"
                class="peer-dot"
                style={{ background: p.user.color }}
                title={`${p.user.name} is here`}
                aria-label={`${p.user.name} is on this cell`}
              />
            )}
          </For>
        </div>
      </div>
      <div
        class="cell-body"
        style={props.peers[0] ? { "box-shadow": `inset 2px 0 0 ${props.peers[0].user.color}` } : undefined}
      >
        <Show
          when={!showRendered()}
          fallback={
            <Show when={visible()} fallback={<pre class="source-static markdown-pending">{source()}</pre>}>
              {/* biome-ignore lint/a11y/noStaticElementInteractions: double-click to edit is a mouse shortcut; Enter does the same from the keyboard */}
              <div
                class="markdown rendered-markdown"
                tabIndex={-1}
                onDblClick={() => !props.readOnly && props.onEnterEdit()}
                innerHTML={
                  source().trim()
                    ? sanitizeHtml(renderMarkdown(source()))
                    : `<p class="muted">${props.readOnly ? "" : "Empty markdown cell — double-click to edit"}</p>`
                }
              />
            </Show>
          }
        >
          <div class={`source source-${cellType()}`}>
            <Show when={mountEditor()} fallback={<pre class="source-static">{source() || " "}</pre>}>
              <CellEditor
                text={text}
                awareness={props.awareness}
                cellType={cellType()}
                readOnly={props.readOnly}
                autofocus={props.wantFocus}
                label={`Cell ${props.index + 1} ${cellType()} source`}
                onCommand={(cmd, view) => props.onCommand(cmd, view)}
                onFocus={() => props.onEditFocus()}
                assist={props.assist}
                onReady={(view) => {
                  onCleanup(props.registerEditor(view));
                }}
              />
            </Show>
          </div>
        </Show>
        <Show when={cellType() === "code" && outputs() instanceof Y.Array && (outputs() as Y.Array<any>)} keyed>
          {(o) => (
            <Show
              when={visible()}
              fallback={
                <div class="outputs-pending" style={{ height: `${estimateOutputHeight(o.toJSON() as Output[])}px` }} />
              }
            >
              <OutputArea outputs={o} executionCount={executionCount()} busy={state() !== "idle"} />
            </Show>
          )}
        </Show>
        <Show when={props.inputRequest} keyed>
          {(req) => <InputPrompt request={req} mine={props.inputIsMine} onAnswer={props.onInput} />}
        </Show>
      </div>
    </article>
  );
}
