import { type Accessor, createSignal } from "solid-js";
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

/** Close codes the collaboration server uses to say "this document was replaced; reload". */
const REPLACED_CODES = new Set([4409, 4410]);
const AUTH_CODES = new Set([4401, 4403, 4404]);

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
    if (REPLACED_CODES.has(event.code)) {
      setReplaced(true);
      provider.shouldConnect = false;
      provider.disconnect();
    } else if (AUTH_CODES.has(event.code)) {
      setClosedReason(event.reason || "The server refused access to this notebook.");
      provider.shouldConnect = false;
    } else if (event.code >= 4000 && event.reason) setClosedReason(event.reason);
  });
  const onOnline = () => {
    if (!provider.wsconnected && provider.shouldConnect) provider.connect();
  };
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
      provider.awareness.setLocalState(null);
      provider.destroy();
      doc.destroy();
    },
  };
}
