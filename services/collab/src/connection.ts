import * as decoding from "lib0/decoding";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { stampAwareness } from "./awareness.ts";
import { CloseCode } from "./close-codes.ts";
import {
  awarenessMessage,
  decodeAwareness,
  encodeAwareness,
  isEmptyUpdate,
  MessageType,
  permissionDenied,
  SyncType,
  syncStep1,
  syncStep2,
} from "./messages.ts";
import type { Room } from "./room.ts";

/** What the server established about a socket before handing it over. */
export interface Access {
  notebookId: string;
  /** Viewers and share links: they receive everything, but their document updates are refused. */
  readOnly: boolean;
  user: { id: string | null; name: string };
  /** Set when the socket came in through a share link (revoking it closes the socket). */
  shareLinkId?: string;
  /** When the access ends (share link expiry); the socket is closed then. */
  expiresAt?: Date | null;
}

/** Above this many unsent bytes a client is too slow to follow the room and is dropped. */
const MAX_BUFFERED = 64 * 1024 * 1024;

class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** How often an open share-link connection reads the clock again before its expiry (ms). */
export const EXPIRY_RECHECK_MS = 60_000;

/** One client socket in a room, speaking the y-websocket protocol. */
export class Connection {
  readonly awarenessIds = new Set<number>();
  /** Awareness client ids this connection announced first: only it may update or remove them. */
  readonly announced = new Set<number>();
  /** Whether the client's history was checked against the room's epoch. */
  private checked = false;
  private deniedOnce = false;
  private closed = false;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly access: Access,
    readonly room: Room,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Joins the room: the first messages of the y-websocket handshake. */
  start() {
    this.room.connections.add(this);
    // Read-only clients are not asked for their state: nothing they have may enter the document.
    if (!this.access.readOnly) this.send(syncStep1(this.room.doc));
    const states = [...this.room.awareness.getStates().keys()];
    if (states.length)
      this.send(awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.room.awareness, states)));
    this.checkExpiry();
  }

  /**
   * Closes the connection when its share link expires. The clock is read again at least once a
   * minute, so a moved clock (an injected one, or the system's) is followed.
   */
  private checkExpiry() {
    const expiresAt = this.access.expiresAt?.getTime();
    if (expiresAt === undefined || this.closed) return;
    const ms = expiresAt - this.now().getTime();
    if (ms <= 0) return this.close(CloseCode.forbidden, "The share link has expired");
    this.expiryTimer = setTimeout(() => this.checkExpiry(), Math.min(ms, EXPIRY_RECHECK_MS));
  }

  /** Promoted: asked for its state as a writable client is on joining, and told no more refusals. */
  becomeWritable() {
    if (this.closed || this.access.readOnly) return;
    this.deniedOnce = false;
    this.send(syncStep1(this.room.doc));
  }

  send(message: Uint8Array) {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED) return this.close(CloseCode.slowConsumer, "Too far behind the room");
    this.ws.send(message, { binary: true });
  }

  close(code: number, reason: string) {
    if (this.closed) return;
    this.closed = true;
    this.detach();
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
  }

  /** Leaves the room: its awareness states go with it. */
  detach() {
    clearTimeout(this.expiryTimer);
    if (!this.room.connections.delete(this)) return;
    if (this.awarenessIds.size)
      awarenessProtocol.removeAwarenessStates(this.room.awareness, [...this.awarenessIds], null);
  }

  handle(data: Uint8Array) {
    if (this.closed) return;
    try {
      this.dispatch(data);
    } catch (err) {
      const protocolError =
        err instanceof ProtocolError ? err : new ProtocolError(CloseCode.malformed, "Malformed message");
      this.log.debug({ err, notebookId: this.access.notebookId }, "closing connection after a bad message");
      this.close(protocolError.code, protocolError.message);
    }
  }

  private dispatch(data: Uint8Array) {
    const d = decoding.createDecoder(data);
    const type = decoding.readVarUint(d);
    switch (type) {
      case MessageType.sync:
        return this.onSync(d);
      case MessageType.awareness:
        return this.onAwareness(decoding.readVarUint8Array(d));
      case MessageType.queryAwareness: {
        const states = [...this.room.awareness.getStates().keys()];
        this.send(awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.room.awareness, states)));
        return;
      }
      case MessageType.auth:
        return;
      default:
        throw new ProtocolError(CloseCode.malformed, `Unknown message type ${type}`);
    }
  }

  private onSync(d: decoding.Decoder) {
    const sub = decoding.readVarUint(d);
    const payload = decoding.readVarUint8Array(d);
    if (sub === SyncType.step1) {
      let vector: Map<number, number>;
      try {
        vector = Y.decodeStateVector(payload);
      } catch {
        throw new ProtocolError(CloseCode.malformed, "Malformed state vector");
      }
      this.checkEpoch(vector);
      this.send(syncStep2(this.room.doc, payload));
      return;
    }
    if (sub !== SyncType.step2 && sub !== SyncType.update)
      throw new ProtocolError(CloseCode.malformed, `Unknown sync message ${sub}`);
    if (this.access.readOnly) {
      if (isEmptyUpdate(payload)) return;
      // Refused and never stored; the client is told once (y-websocket logs it).
      if (!this.deniedOnce) this.send(permissionDenied("This connection is read-only"));
      this.deniedOnce = true;
      return;
    }
    let meta: { to: Map<number, number> } | undefined;
    try {
      // Decoding first means a broken update is refused before it touches the document.
      Y.decodeUpdate(payload);
      // Once a document has been replaced, every update is checked for old-epoch history.
      if (!this.checked || this.room.retired.size) meta = Y.parseUpdateMeta(payload);
    } catch {
      throw new ProtocolError(CloseCode.badUpdate, "The update could not be decoded");
    }
    if (meta) this.checkEpoch(meta.to);
    try {
      Y.applyUpdate(this.room.doc, payload, this);
    } catch {
      throw new ProtocolError(CloseCode.badUpdate, "The update could not be applied");
    }
  }

  private checkEpoch(vector: Map<number, number>) {
    if (this.room.isStale(vector)) {
      throw new ProtocolError(
        CloseCode.replaced,
        "The notebook was replaced; reload it instead of merging old history",
      );
    }
    this.checked = true;
  }

  private onAwareness(update: Uint8Array) {
    let entries: ReturnType<typeof decodeAwareness>;
    try {
      entries = decodeAwareness(update);
    } catch {
      throw new ProtocolError(CloseCode.malformed, "Malformed awareness update");
    }
    // A client id belongs to the connection that announced it first; updates for anyone else's are dropped.
    const others = [...this.room.connections].filter((c) => c !== this);
    entries = entries.filter((e) => {
      if (this.announced.has(e.clientId)) return true;
      if (e.clientId === this.room.awareness.clientID) return false;
      if (others.some((c) => c.announced.has(e.clientId))) return false;
      this.announced.add(e.clientId);
      return true;
    });
    if (!entries.length) return;
    const stamped = stampAwareness(entries, {
      key: this.access.user.id ?? this.access.shareLinkId ?? "anonymous",
      name: this.access.user.name,
      readOnly: this.access.readOnly,
    });
    awarenessProtocol.applyAwarenessUpdate(this.room.awareness, encodeAwareness(stamped), this);
  }
}
