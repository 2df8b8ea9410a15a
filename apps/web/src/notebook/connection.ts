import { type Accessor, createEffect, createSignal, onCleanup } from "solid-js";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";

export type ConnectionState = "connecting" | "connected" | "offline";

export interface NotebookConnection {
  doc: Y.Doc;
  provider: WebsocketProvider;
  state: Accessor<ConnectionState>;
  synced: Accessor<boolean>;
  /** Why the server closed the connection, when it said (e.g. refused, replaced). */
  closedReason: Accessor<string | null>;
  /** The document was replaced on the server (import over it, restore): reload to get the new one. */
  replaced: Accessor<boolean>;
  destroy(): void;
}

/** Close codes of the collaboration server (services/collab close-codes.ts). */
const REPLACED = 4409;
const GONE = 4410;
const PERMANENT: Record<number, string> = {
  4401: "You are signed out. Sign in again to keep editing.",
  4403: "You no longer have access to this notebook (or the share link was revoked or has expired).",
  4404: "This notebook does not exist.",
  4410: "This notebook was deleted.",
};

export function collabUrl(): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}/collab`;
}

/**
 * Joins a notebook's collaboration room (y-websocket protocol at `/collab/<id>`, same origin,
 * authenticated by the session cookie, or by a share token). Edits made while offline stay in
 * the local document and are sent on reconnect.
 */
export function connectNotebook(notebookId: string, opts: { shareToken?: string } = {}): NotebookConnection {
  const doc = new Y.Doc();
  const params: Record<string, string> = {};
  if (opts.shareToken) params.share = opts.shareToken;
  const provider = new WebsocketProvider(collabUrl(), notebookId, doc, { params, maxBackoffTime: 5000 });
  const [state, setState] = createSignal<ConnectionState>("connecting");
  const [synced, setSynced] = createSignal(false);
  const [closedReason, setClosedReason] = createSignal<string | null>(null);
  const [replaced, setReplaced] = createSignal(false);

  provider.on("status", ({ status }: { status: string }) => {
    if (status === "connected") {
      setState("connected");
      setClosedReason(null);
    } else setState(status === "connecting" ? "connecting" : "offline");
    if (status !== "connected") setSynced(false);
  });
  provider.on("sync", (isSynced: boolean) => setSynced(isSynced));
  provider.on("connection-error", () => {
    if (!provider.wsconnected) setState("offline");
  });
  provider.on("connection-close", (event: CloseEvent | null) => {
    if (!provider.wsconnected) setState("offline");
    if (!event) return;
    if (event.code === REPLACED) {
      // The history this browser holds is stale: never merge it back; start over on the new one.
      setReplaced(true);
      provider.shouldConnect = false;
    } else if (PERMANENT[event.code]) {
      setClosedReason(event.code === GONE ? PERMANENT[GONE]! : event.reason || PERMANENT[event.code]!);
      provider.shouldConnect = false;
    } else if (event.code >= 4000 && event.code < 4500 && event.reason) setClosedReason(event.reason);
  });
  // The browser knows first when the network goes: stop at once (edits stay in the local
  // document) rather than wait for the socket to time out; reconnect when it is back.
  let wentOffline = false;
  const onOffline = () => {
    if (!provider.shouldConnect) return;
    wentOffline = true;
    provider.disconnect();
    setState("offline");
  };
  const onOnline = () => {
    if (wentOffline || (!provider.wsconnected && provider.shouldConnect)) {
      wentOffline = false;
      provider.connect();
    }
  };
  window.addEventListener("offline", onOffline);
  window.addEventListener("online", onOnline);

  return {
    doc,
    provider,
    state,
    synced,
    closedReason,
    replaced,
    destroy() {
      window.removeEventListener("online", onOnline);
      window.removeEventListener("offline", onOffline);
      provider.awareness.setLocalState(null);
      provider.destroy();
      doc.destroy();
    },
  };
}

/**
 * A connection that starts over on a fresh document when the server replaces the notebook
 * (restore of a version, import over it), and is closed with the owner.
 */
export function useNotebookConnection(
  notebookId: string,
  opts: { shareToken?: string } = {},
): { conn: Accessor<NotebookConnection>; reloads: Accessor<number> } {
  const [conn, setConn] = createSignal(connectNotebook(notebookId, opts));
  const [reloads, setReloads] = createSignal(0);
  createEffect(() => {
    const current = conn();
    if (!current.replaced()) return;
    queueMicrotask(() => {
      current.destroy();
      setConn(connectNotebook(notebookId, opts));
      setReloads((n) => n + 1);
    });
  });
  onCleanup(() => conn().destroy());
  return { conn, reloads };
}
