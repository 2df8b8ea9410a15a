import plotlyUrl from "umd:plotly?url";
import vegaUrl from "umd:vega?url";
import vegaEmbedUrl from "umd:vega-embed?url";
import vegaLiteUrl from "umd:vega-lite?url";
import { createMemo, createSignal, onCleanup } from "solid-js";
import { type FrameKind, type FrameLibraries, frameDocument } from "../lib/frames.ts";

// Only the URLs are in the app's bundle; a frame fetches a library when an output needs it.
const absolute = (u: string) => new URL(u, window.location.href).href;
const LIBS: FrameLibraries = {
  plotly: absolute(plotlyUrl),
  vega: absolute(vegaUrl),
  vegaLite: absolute(vegaLiteUrl),
  vegaEmbed: absolute(vegaEmbedUrl),
};

const INITIAL_HEIGHT: Record<FrameKind, number> = {
  plotly: 420,
  vega: 320,
  "vega-lite": 320,
  javascript: 24,
  html: 24,
};
const MAX_HEIGHT = 4000;
let frames = 0;

/**
 * An output that runs code, in an iframe sandboxed with `allow-scripts` only (an opaque origin: no
 * cookies, storage, DOM or API of the app). Its height follows what the frame reports.
 */
export function SandboxedOutput(props: { kind: FrameKind; payload: unknown }) {
  const id = `f${++frames}`;
  const [height, setHeight] = createSignal(INITIAL_HEIGHT[props.kind]);
  let frame: HTMLIFrameElement | undefined;
  const onMessage = (e: MessageEvent) => {
    // Only this frame's own reports count; anything else posting to the app is ignored.
    if (!frame || e.source !== frame.contentWindow) return;
    const data = e.data as { tandemFrame?: unknown; height?: unknown };
    if (data?.tandemFrame === id && typeof data.height === "number" && Number.isFinite(data.height))
      setHeight(Math.min(MAX_HEIGHT, Math.max(16, data.height)));
  };
  window.addEventListener("message", onMessage);
  onCleanup(() => window.removeEventListener("message", onMessage));
  const doc = createMemo(() => frameDocument(props.kind, props.payload, id, LIBS));
  return (
    <iframe
      ref={frame}
      class={`output-frame output-frame-${props.kind}`}
      title={`${props.kind} output`}
      sandbox="allow-scripts"
      referrerPolicy="no-referrer"
      srcdoc={doc()}
      style={{ height: `${height()}px` }}
    />
  );
}
