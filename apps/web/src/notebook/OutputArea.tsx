import { createEffect, createMemo, createSignal, For, Match, onCleanup, Show, Switch, untrack } from "solid-js";
import * as Y from "yjs";
import { ansiCss, applyCarriageReturns, parseAnsi } from "../lib/ansi.ts";
import { frameFor } from "../lib/frames.ts";
import { renderLatexOutput, renderMarkdown } from "../lib/markdown.ts";
import {
  coalesceStreams,
  type DataOutput,
  type ErrorOutput,
  formatJson,
  imageSrc,
  isLongOutput,
  joinText,
  type Output,
  pickMime,
  tailOutputs,
  tracebackText,
} from "../lib/outputs.ts";
import { sanitizeHtml } from "../lib/sanitize.ts";
import { SandboxedOutput } from "./SandboxedOutput.tsx";

/** Text with ANSI colours, carriage returns applied (progress bars), as styled spans. */
export function AnsiText(props: { text: string; class?: string }) {
  const spans = () => parseAnsi(applyCarriageReturns(props.text));
  return (
    <pre class={props.class ?? "output-text"}>
      <For each={spans()}>
        {(s) => (Object.keys(s.style).length ? <span style={ansiCss(s.style)}>{s.text}</span> : s.text)}
      </For>
    </pre>
  );
}

function ErrorView(props: { output: ErrorOutput }) {
  return (
    <div class="output-error">
      <AnsiText text={tracebackText(props.output)} class="output-text output-traceback" />
    </div>
  );
}

function Html(props: { html: string; class: string }) {
  return <div class={props.class} innerHTML={props.html} />;
}

function DataOutputView(props: { output: DataOutput }) {
  const frame = createMemo(() => frameFor(props.output.data));
  const mime = () => pickMime(props.output.data);
  const payload = () => props.output.data[mime() ?? ""];
  return (
    <Switch
      fallback={<p class="muted small">[output of type {Object.keys(props.output.data).join(", ")} cannot be shown]</p>}
    >
      <Match when={frame()}>{(f) => <SandboxedOutput kind={f().kind} payload={props.output.data[f().mime]} />}</Match>
      <Match when={mime() === "text/html"}>
        <Html class="output-html" html={sanitizeHtml(joinText(payload()))} />
      </Match>
      <Match when={mime()?.startsWith("image/")}>
        <img
          class="output-image"
          src={imageSrc(mime()!, payload())}
          alt={joinText(props.output.data["text/plain"]) || "Image output"}
          width={(props.output.metadata?.[mime()!] as { width?: number } | undefined)?.width}
          height={(props.output.metadata?.[mime()!] as { height?: number } | undefined)?.height}
        />
      </Match>
      <Match when={mime() === "text/markdown"}>
        <Html class="output-markdown markdown" html={sanitizeHtml(renderMarkdown(joinText(payload())))} />
      </Match>
      <Match when={mime() === "text/latex"}>
        <Html class="output-latex" html={sanitizeHtml(renderLatexOutput(joinText(payload())))} />
      </Match>
      <Match when={mime() === "application/json" || mime()?.endsWith("+json")}>
        <pre class="output-text output-json">{formatJson(payload())}</pre>
      </Match>
      <Match when={mime() === "text/plain"}>
        <AnsiText text={joinText(payload())} />
      </Match>
    </Switch>
  );
}

export function OutputView(props: { output: Output }) {
  return (
    <Switch>
      <Match when={props.output.output_type === "stream" && props.output}>
        {(o) => (
          <AnsiText
            text={joinText((o() as { text: unknown }).text)}
            class={`output-text stream-${(o() as { name: string }).name}`}
          />
        )}
      </Match>
      <Match when={props.output.output_type === "error" && props.output}>
        {(o) => <ErrorView output={o() as ErrorOutput} />}
      </Match>
      <Match when={"data" in props.output && props.output}>
        {(o) => <DataOutputView output={o() as DataOutput} />}
      </Match>
    </Switch>
  );
}

/**
 * A code cell's outputs, live from the shared document. Updates are batched per animation
 * frame (streams can append thousands of times a second); long outputs start collapsed in a
 * fixed-height scroll box so the page does not jump while they stream.
 */
/** Lines of a long output shown while it is collapsed (its end). */
const TAIL_LINES = 20;

export function OutputArea(props: { outputs: Y.Array<any>; executionCount: number | null; busy: boolean }) {
  const read = (): Output[] => coalesceStreams(props.outputs.toJSON() as Output[]);
  const [outputs, setOutputs] = createSignal<Output[]>(read());
  const [expanded, setExpanded] = createSignal(false);
  let frame = 0;
  const onChange = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      setOutputs(read());
    });
  };
  props.outputs.observeDeep(onChange);
  onCleanup(() => {
    props.outputs.unobserveDeep(onChange);
    if (frame) cancelAnimationFrame(frame);
  });
  const long = () => isLongOutput(outputs());
  // Collapsed, a long output shows its end (where a training log's latest lines are).
  const shown = createMemo(() =>
    long() && !expanded() ? tailOutputs(outputs(), TAIL_LINES) : { outputs: outputs(), hidden: 0 },
  );
  // A re-run clears outputs then streams new ones: hold the old height while the cell is busy
  // so the cells below do not jump up and down. Heights come from a ResizeObserver (batched,
  // never forcing a layout).
  let lastHeight = 0;
  const [holdHeight, setHoldHeight] = createSignal(0);
  const sizes =
    typeof ResizeObserver === "undefined"
      ? null
      : new ResizeObserver((entries) => {
          const h = entries[entries.length - 1]?.borderBoxSize?.[0]?.blockSize;
          if (h && !holdHeight()) lastHeight = h;
        });
  onCleanup(() => sizes?.disconnect());
  const watch = (el: HTMLDivElement) => sizes?.observe(el);
  createEffect(() => {
    const empty = outputs().length === 0;
    if (!props.busy) setHoldHeight(0);
    else if (empty && !untrack(holdHeight)) setHoldHeight(lastHeight);
  });

  return (
    <Show
      when={outputs().length}
      fallback={<div class="outputs-placeholder" style={{ height: `${holdHeight()}px` }} />}
    >
      <div class="outputs" ref={watch} style={{ "min-height": holdHeight() ? `${holdHeight()}px` : undefined }}>
        <div class="prompt prompt-out" aria-hidden="true">
          <Show when={outputs().some((o) => o.output_type === "execute_result")}>[{props.executionCount ?? " "}]:</Show>
        </div>
        <section
          class={`output-stack ${long() && !expanded() ? "collapsed" : ""}`}
          tabIndex={long() && !expanded() ? 0 : undefined}
          aria-label="Cell output"
        >
          <Show when={shown().hidden > 0}>
            <button type="button" class="btn-link output-hidden" onClick={() => setExpanded(true)}>
              {shown().hidden} earlier {shown().hidden === 1 ? "line" : "lines"} hidden — show all
            </button>
          </Show>
          <For each={shown().outputs}>{(o) => <OutputView output={o} />}</For>
        </section>
      </div>
      <Show when={long()}>
        <button
          type="button"
          class="btn-link output-toggle"
          aria-expanded={expanded()}
          onClick={() => setExpanded(!expanded())}
        >
          {expanded() ? "Collapse output" : "Show all output"}
        </button>
      </Show>
    </Show>
  );
}

export function isYArray(v: unknown): v is Y.Array<any> {
  return v instanceof Y.Array;
}
