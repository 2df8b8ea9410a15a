import { createEffect, onCleanup } from "solid-js";

/**
 * Calls `tick` every `ms` while `active()` is true and the tab is visible: live pages refresh
 * only while something can still change and someone can see it. Coming back to the tab refreshes
 * at once.
 */
export function usePolling(active: () => boolean, tick: () => unknown, ms = 2000): void {
  let timer: number | undefined;
  let stopped = false;
  const visible = () => document.visibilityState === "visible";
  const schedule = () => {
    clearTimeout(timer);
    timer = undefined;
    if (stopped || !active() || !visible()) return;
    timer = window.setTimeout(async () => {
      try {
        await tick();
      } catch {
        // A failed refresh is retried on the next tick; the page keeps what it shows.
      }
      schedule();
    }, ms);
  };
  const onVisibility = () => {
    if (!visible() || !active()) return clearTimeout(timer);
    void Promise.resolve(tick())
      .catch(() => {})
      .finally(schedule);
  };
  createEffect(() => {
    if (active()) {
      if (timer === undefined) schedule();
    } else {
      clearTimeout(timer);
      timer = undefined;
    }
  });
  document.addEventListener("visibilitychange", onVisibility);
  onCleanup(() => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener("visibilitychange", onVisibility);
  });
}
