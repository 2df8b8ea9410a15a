import type { Logger } from "pino";
import type { WebSocket } from "ws";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { CloseCode } from "./close-codes.ts";
import type { Connection } from "./connection.ts";
import { awarenessMessage, syncUpdate } from "./messages.ts";
import type { DocumentStore, StoredDocument } from "./store.ts";

export interface RoomOptions {
  /** Fold the log into a snapshot once this many rows follow it. */
  compactEvery: number;
  log: Logger;
}

/**
 * One notebook's live document. Every update (from a client or from the server's own
 * transactions) goes through one queue: appended to the log in Postgres, then broadcast. Updates
 * that arrive while an append is in flight are merged and appended together (group commit), so
 * the log keeps up under load and broadcasts are fewer, larger frames.
 */
export class Room {
  doc!: Y.Doc;
  awareness!: awarenessProtocol.Awareness;
  epoch!: number;
  /** State vector of every earlier epoch (client id -> clock). */
  retired = new Map<number, number>();
  readonly connections = new Set<Connection>();
  handles = 0;
  idleTimer: NodeJS.Timeout | undefined;

  private pending: Uint8Array[] = [];
  private flushing: Promise<void> | undefined;
  private rowsSinceSnapshot = 0;
  private lastSeq = 0;
  private compacting: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly notebookId: string,
    private readonly store: DocumentStore,
    private readonly options: RoomOptions,
    stored: StoredDocument,
  ) {
    this.install(stored);
  }

  /** Builds the live doc from the stored snapshot + log and starts listening to it. */
  private install(stored: StoredDocument) {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, stored.snapshot);
    for (const row of stored.updates) Y.applyUpdate(doc, row.data);
    this.doc = doc;
    this.epoch = stored.epoch;
    this.retired = stored.retired ? Y.decodeStateVector(stored.retired) : new Map();
    this.rowsSinceSnapshot = stored.updates.length;
    this.lastSeq = stored.updates.at(-1)?.seq ?? stored.snapshotSeq;
    doc.on("update", this.onUpdate);
    this.awareness = new awarenessProtocol.Awareness(doc);
    // The server itself has no presence.
    this.awareness.setLocalState(null);
    this.awareness.on("update", this.onAwareness);
  }

  private readonly onUpdate = (update: Uint8Array, _origin: unknown, doc: Y.Doc) => {
    if (doc !== this.doc) return;
    this.pending.push(update);
    this.flushing ??= this.flush();
  };

  private async flush(): Promise<void> {
    try {
      while (this.pending.length) {
        const batch = this.pending;
        this.pending = [];
        const update = batch.length === 1 ? batch[0]! : Y.mergeUpdates(batch);
        const epoch = this.epoch;
        const seq = await this.appendWithRetry(update, epoch);
        if (epoch !== this.epoch) continue;
        this.lastSeq = seq;
        this.rowsSinceSnapshot++;
        this.broadcast(syncUpdate(update));
        if (this.rowsSinceSnapshot >= this.options.compactEvery) void this.compact();
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async appendWithRetry(update: Uint8Array, epoch: number): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.append(this.notebookId, epoch, update);
      } catch (err) {
        // Nothing is broadcast until it is stored; keep trying (the database may be restarting).
        if (this.closed && attempt > 3) throw err;
        this.options.log.error({ err, notebookId: this.notebookId, attempt }, "appending an update failed; retrying");
        await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
      }
    }
  }

  /** Resolves once every update applied so far is in the log. */
  async persisted(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Folds the log into a snapshot in the background; editing goes on meanwhile. */
  compact(): Promise<void> {
    this.compacting ??= (async () => {
      try {
        await this.persisted();
        if (!this.rowsSinceSnapshot) return;
        const upto = this.lastSeq;
        const rows = this.rowsSinceSnapshot;
        // The doc holds every logged update up to `upto` (they are applied before they are logged).
        const snapshot = Y.encodeStateAsUpdate(this.doc);
        await this.store.compact(this.notebookId, this.epoch, snapshot, upto);
        this.options.log.debug({ notebookId: this.notebookId, upto, rows }, "compacted");
        this.rowsSinceSnapshot = Math.max(0, this.rowsSinceSnapshot - rows);
      } catch (err) {
        this.options.log.warn({ err, notebookId: this.notebookId }, "compaction failed; will retry later");
      } finally {
        this.compacting = undefined;
      }
    })();
    return this.compacting;
  }

  private readonly onAwareness = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ) => {
    const changed = [...added, ...updated, ...removed];
    const conn = origin as Connection | null;
    if (conn && this.connections.has(conn)) {
      for (const id of added) conn.awarenessIds.add(id);
      for (const id of removed) conn.awarenessIds.delete(id);
    }
    if (changed.length)
      this.broadcast(awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed)));
  };

  broadcast(message: Uint8Array) {
    for (const conn of this.connections) conn.send(message);
  }

  /** True when a client's state vector shows history from an earlier epoch. */
  isStale(clientVector: Map<number, number>): boolean {
    if (!this.retired.size) return false;
    const current = Y.decodeStateVector(Y.encodeStateVector(this.doc));
    for (const [client, clock] of clientVector) {
      if (clock > 0 && !current.has(client) && this.retired.has(client)) return true;
    }
    return false;
  }

  /** Swaps in a replaced document (new epoch): everyone connected is told to reload. */
  replace(stored: StoredDocument) {
    this.teardown();
    for (const conn of [...this.connections]) conn.close(CloseCode.replaced, "The notebook was replaced; reload it");
    this.pending = [];
    this.install(stored);
  }

  private teardown() {
    this.doc.off("update", this.onUpdate);
    this.awareness.off("update", this.onAwareness);
    this.awareness.destroy();
  }

  /** Stops the room: flushes the log, compacts, and frees the doc. */
  async close(code: number = CloseCode.goingAway, reason = "Server shutting down") {
    for (const conn of [...this.connections]) conn.close(code, reason);
    await this.persisted();
    this.closed = true;
    await this.compact();
    this.teardown();
    this.doc.destroy();
  }

  get idle(): boolean {
    return this.connections.size === 0 && this.handles === 0;
  }

  socketsOf(predicate: (conn: Connection) => boolean): Connection[] {
    return [...this.connections].filter(predicate);
  }
}

export type { WebSocket };
