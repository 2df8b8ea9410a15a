import { Match, Show, Switch } from "solid-js";
import type { NotebookConnection } from "./connection.ts";

/** Says when edits are not reaching anyone (offline), when they cannot be made (read-only), or when to reload. */
export function ConnectionBanner(props: { conn: NotebookConnection; readOnly: boolean }) {
  return (
    <div class="banner-slot" aria-live="polite">
      <Switch>
        <Match when={props.conn.replaced()}>
          <div class="banner banner-warn" role="alert">
            This notebook was replaced (a version was restored or a notebook imported over it).{" "}
            <button type="button" class="btn-link" onClick={() => location.reload()}>
              Reload to see it
            </button>
          </div>
        </Match>
        <Match when={props.conn.closedReason()}>
          <div class="banner banner-error" role="alert">
            {props.conn.closedReason()}
          </div>
        </Match>
        <Match when={props.conn.state() === "offline"}>
          <div class="banner banner-offline" role="status">
            {props.readOnly
              ? "Disconnected — reconnecting…"
              : "You are offline. Keep working: your edits are kept here and sync when the connection returns."}
          </div>
        </Match>
      </Switch>
      <Show when={props.readOnly}>
        <div class="banner banner-readonly" role="status">
          Read-only: you can watch this notebook live but not edit or run it.
        </div>
      </Show>
    </div>
  );
}
