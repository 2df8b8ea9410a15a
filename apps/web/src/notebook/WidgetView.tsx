import { createSignal, type JSX, onCleanup, onMount, Show } from "solid-js";
import type * as Y from "yjs";

/**
 * An ipywidgets view, drawn by ipywidgets' own controls over a model that lives in the shared
 * document: a change in one browser reaches the kernel and every collaborator's view. The widget
 * packages load only in notebooks that show a widget; the text fallback stays if they cannot draw it.
 */
export function WidgetView(props: { doc: Y.Doc; modelId: string; fallback: JSX.Element }) {
  let host: HTMLDivElement | undefined;
  const [failed, setFailed] = createSignal(false);
  let view: { remove(): void } | undefined;
  let gone = false;
  onMount(() => {
    import("./widgets/manager.ts")
      .then(({ widgetManager }) => widgetManager(props.doc).render(props.modelId, host!))
      .then((v) => {
        if (gone) v.remove();
        else view = v;
      })
      .catch((err) => {
        console.error("widget", props.modelId, err);
        setFailed(true);
      });
  });
  onCleanup(() => {
    gone = true;
    view?.remove();
  });
  return (
    <Show when={!failed()} fallback={props.fallback}>
      <div class="widget-host jupyter-widgets" ref={host} />
    </Show>
  );
}
