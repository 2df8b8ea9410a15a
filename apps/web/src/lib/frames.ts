import type { MimeBundle } from "./outputs.ts";

/**
 * Outputs whose rendering runs code (plotly, Vega/Vega-Lite, JavaScript, HTML with scripts) are shown
 * in iframes sandboxed with `allow-scripts` and never `allow-same-origin`: their scripts run in an
 * opaque origin and cannot reach the app's cookies, storage, DOM or API. Plain HTML keeps the
 * DOMPurify path. The renderers' libraries load inside the frame, only when an output needs them.
 */
export type FrameKind = "plotly" | "vega" | "vega-lite" | "javascript" | "html";

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";
const VEGALITE = /^application\/vnd\.vegalite\.v\d+(\.\d+)*\+json$/;
const VEGA = /^application\/vnd\.vega\.v\d+(\.\d+)*\+json$/;

/** Whether HTML would run code (scripts, inline handlers, javascript: URLs, frames of its own). */
export function htmlRunsCode(html: string): boolean {
  return /<script[\s>]|\son[a-z]+\s*=|javascript:|<iframe[\s>]/i.test(html);
}

/** Which frame renders a bundle, with the MIME type it reads; null when the bundle needs none. */
export function frameFor(data: MimeBundle): { kind: FrameKind; mime: string } | null {
  if (PLOTLY_MIME in data) return { kind: "plotly", mime: PLOTLY_MIME };
  const keys = Object.keys(data);
  const vl = keys.find((k) => VEGALITE.test(k));
  if (vl) return { kind: "vega-lite", mime: vl };
  const vg = keys.find((k) => VEGA.test(k));
  if (vg) return { kind: "vega", mime: vg };
  const html = data["text/html"];
  if (html !== undefined) {
    const text = Array.isArray(html) ? html.join("") : String(html);
    return htmlRunsCode(text) ? { kind: "html", mime: "text/html" } : null;
  }
  if ("application/javascript" in data) return { kind: "javascript", mime: "application/javascript" };
  return null;
}

/** Absolute URLs of the renderers' scripts (the frame's origin is opaque, so relative ones would not resolve). */
export interface FrameLibraries {
  plotly: string;
  vega: string;
  vegaLite: string;
  vegaEmbed: string;
}

/** JSON safe inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value ?? null)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const text = (v: unknown) => (Array.isArray(v) ? v.join("") : typeof v === "string" ? v : JSON.stringify(v));
const scriptTag = (src: string) => `<script src="${src.replace(/"/g, "&quot;")}"></script>`;

/**
 * The frame's whole document. It reports its height to the app (the one message it sends: the app
 * checks it comes from this frame) and shows a script's error in place.
 */
export function frameDocument(kind: FrameKind, payload: unknown, frameId: string, libs: FrameLibraries): string {
  let head = "";
  let body = '<div id="out"></div>';
  let run = "";
  if (kind === "plotly") {
    head = scriptTag(libs.plotly);
    run = `const fig = ${scriptJson(payload)};
Plotly.newPlot(document.getElementById("out"), fig.data || [], fig.layout || {}, Object.assign({ responsive: true }, fig.config || {}));`;
  } else if (kind === "vega" || kind === "vega-lite") {
    head = [libs.vega, libs.vegaLite, libs.vegaEmbed].map(scriptTag).join("");
    run = `vegaEmbed("#out", ${scriptJson(payload)}, { mode: ${scriptJson(kind)}, actions: false, renderer: "svg" }).catch(fail);`;
  } else if (kind === "javascript") {
    // As in Jupyter, the code gets `element`, the output's own node.
    run = `const element = document.getElementById("out");\n${text(payload).replace(/<\/script/gi, "<\\/script")}`;
  } else {
    body = text(payload);
  }
  return `<!doctype html><html><head><meta charset="utf-8"><style>
html,body{margin:0;padding:0;background:transparent;font:13px system-ui,sans-serif;color:#1d2030}
.frame-error{color:#b42318;white-space:pre-wrap;font-family:ui-monospace,monospace}</style>
<script>
(function () {
  var id = ${scriptJson(frameId)};
  function report() { parent.postMessage({ tandemFrame: id, height: Math.ceil(document.documentElement.getBoundingClientRect().height) }, "*"); }
  window.fail = function (err) {
    var p = document.createElement("pre"); p.className = "frame-error"; p.textContent = String(err && err.message || err);
    document.body.appendChild(p); report();
  };
  window.addEventListener("error", function (e) { fail(e.message); });
  window.addEventListener("load", function () { report(); new ResizeObserver(report).observe(document.body); });
})();
</script>${head}</head><body>${body}${run ? `<script>try {\n${run}\n} catch (err) { fail(err); }</script>` : ""}</body></html>`;
}
