import { createSignal, type JSX, onCleanup, Show } from "solid-js";
import type * as Y from "yjs";

/** The document's root map of widget models (services/kernels' WidgetBridge writes it). */
const WIDGETS_MAP = "tandem_widgets";
const SLIDERS = new Set(["IntSliderModel", "FloatSliderModel"]);

/**
 * An ipywidgets view whose model lives in the shared document: moving it writes the model's state
 * there, the server sends it to the kernel, and every collaborator's view follows. Sliders are drawn
 * natively; other widgets show their text fallback.
 */
export function WidgetView(props: { doc: Y.Doc; modelId: string; fallback: JSX.Element }) {
  const models = props.doc.getMap<Y.Map<unknown>>(WIDGETS_MAP);
  // Duck-typed: the document's Yjs types may come from another copy of the module than this file's.
  const model = () => models.get(props.modelId) as Y.Map<unknown> | undefined;
  const read = () => {
    const m = model();
    return m && typeof m.toJSON === "function" ? (m.toJSON() as Record<string, unknown>) : null;
  };
  const [state, setState] = createSignal(read());
  const onChange = () => setState(read());
  models.observeDeep(onChange);
  onCleanup(() => models.unobserveDeep(onChange));
  const num = (k: string, d: number) => (typeof state()?.[k] === "number" ? (state()![k] as number) : d);
  const set = (value: number) => {
    const m = model();
    if (m && typeof m.set === "function" && m.get("value") !== value) m.set("value", value);
  };
  return (
    <Show when={state() && SLIDERS.has(String(state()!._model_name))} fallback={props.fallback}>
      <label class="widget widget-slider">
        <span class="widget-label">{String(state()!.description ?? "")}</span>
        <input
          type="range"
          min={num("min", 0)}
          max={num("max", 100)}
          step={num("step", 1)}
          value={num("value", 0)}
          disabled={state()!.disabled === true}
          aria-label={String(state()!.description || "slider")}
          onInput={(e) => set(Number(e.currentTarget.value))}
        />
        <output class="widget-readout">{num("value", 0)}</output>
      </label>
    </Show>
  );
}
