import { randomUUID } from "node:crypto";

/**
 * Changes that take someone's access away (or narrow it). REST requests re-check access on every
 * call; open WebSockets (collab, kernel channels) listen to these so revocation reaches them at once.
 */
export type AccessEvent =
  | { type: "token-revoked"; tokenId: string; userId: string }
  /** `sessionId` is the stored digest of the session cookie. */
  | { type: "session-ended"; sessionId: string; userId: string }
  /** A member was removed or their role changed (the new role is looked up by listeners). */
  | { type: "membership-changed"; projectId: string; userId: string }
  | { type: "user-disabled"; userId: string }
  /** Its guests' sockets close, on every server (the one that revoked it has closed its own). */
  | { type: "share-link-revoked"; shareLinkId: string; notebookId: string };

export type AccessListener = (event: AccessEvent) => void | Promise<void>;

/**
 * The seam between what changes access (routes, auth) and what holds connections open (the
 * server). In one process it is a set of listeners; several servers would share a transport (e.g.
 * Redis pub/sub) behind this same interface: `emit` publishes (and applies locally), `on` subscribes.
 */
export interface AccessEvents {
  /** Announces a change; resolves once this process's listeners have applied it (so a route answers after). */
  emit(event: AccessEvent): Promise<void>;
  /** Subscribes; returns the unsubscribe function. */
  on(listener: AccessListener): () => void;
}

/** How events reach the other servers sharing the database (the database's LISTEN/NOTIFY). */
export interface AccessTransport {
  publish(payload: string): Promise<void>;
  subscribe(onMessage: (payload: string) => void): Promise<() => Promise<void>>;
}

/**
 * Listeners in this process, plus, with a transport, every other server's: an event is applied
 * here before `emit` resolves, and published for the others, which apply it as it arrives.
 */
export async function createAccessEvents(
  transport?: AccessTransport,
  log?: { warn(obj: object, msg: string): void },
): Promise<AccessEvents & { close(): Promise<void> }> {
  const listeners = new Set<AccessListener>();
  const origin = randomUUID();
  const applyHere = async (event: AccessEvent) => {
    // Listeners log their own failures; one failing does not keep the others from running.
    await Promise.allSettled([...listeners].map(async (listener) => listener(event)));
  };
  const stop = await transport?.subscribe((payload) => {
    try {
      const message = JSON.parse(payload) as { origin: string; event: AccessEvent };
      if (message.origin !== origin) void applyHere(message.event);
    } catch (err) {
      log?.warn({ err }, "ignoring a malformed access event");
    }
  });
  return {
    async emit(event) {
      await applyHere(event);
      await transport?.publish(JSON.stringify({ origin, event })).catch((err) => {
        log?.warn({ err, event: event.type }, "publishing an access change to the other servers failed");
      });
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await stop?.();
    },
  };
}
