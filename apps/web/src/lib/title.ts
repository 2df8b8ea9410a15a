import { createEffect, onCleanup } from "solid-js";

/** Sets the page title while the calling component is shown. */
export function usePageTitle(title: () => string | undefined) {
  createEffect(() => {
    const t = title();
    document.title = t ? `${t} · Tandem` : "Tandem";
  });
  onCleanup(() => {
    document.title = "Tandem";
  });
}
