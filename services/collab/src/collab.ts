import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Db } from "@tandem/db";
import { createNotebookDoc, type Nbformat, toNbformat } from "@tandem/notebook";
import { exportNbformat, nbformatToUpdate } from "@tandem/notebook/node";
import * as encoding from "lib0/encoding";
import type { Logger } from "pino";
import { type RawData, WebSocketServer } from "ws";
import * as Y from "yjs";
import { CloseCode } from "./close-codes.ts";
import { type Access, Connection } from "./connection.ts";
import { CollabError } from "./errors.ts";
import { Room } from "./room.ts";
import { ShareLinks } from "./share-links.ts";
import { DocumentStore, type StoredDocument } from "./store.ts";
import { type VersionInfo, Versions } from "./versions.ts";

export interface CollabOptions {
  db: Db;
  log: Logger;
  /** Largest WebSocket frame accepted from a client (bytes); larger ones close with 1009. */
  maxMessageBytes?: number;
  /** How long a room with no connections and no handles stays loaded (ms). */
  idleUnloadMs?: number;
  /** Fold the update log into a snapshot once this many rows follow it. */
  compactEvery?: number;
  /** Interval of WebSocket pings that find dead connections (ms). */
  pingIntervalMs?: number;
  /** What time it is, for share links' expiry (tests inject one). */
  clock?: () => Date;
}

/** A held room: `doc` is the live document (after a replace, the new one: don't cache it). */
export interface DocHandle {
  readonly doc: Y.Doc;
  readonly epoch: number;
  /** Resolves once every edit made so far is in the log. */
  persisted(): Promise<void>;
  release(): void;
}

/** Why an upgrade is refused: sent as a WebSocket close code (browsers never see HTTP statuses). */
export interface Refusal {
  code: number;
  reason: string;
}

/** An open collab socket, for following revocations: what it was granted, and how to narrow or end it. */
export interface LiveConnection {
  readonly access: Access;
  close(code: number, reason: string): void;
  /** From now on the socket's document updates are refused (a downgrade to viewer). */
  makeReadOnly(): void;
  /** From now on its updates are accepted (a promotion to editor), as if it had connected as one. */
  makeWritable(): void;
}

export interface Collab {
  /**
   * The room's live server-side document. Edits made with doc.transact(fn, origin) are persisted
   * and broadcast to every client exactly like client updates. The room stays loaded while
   * handles are held.
   */
  open(notebookId: string): Promise<DocHandle>;
  /** Takes an authenticated WebSocket upgrade for `/collab/:notebookId` (or refuses it with a close code). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, access: Access | Refusal): void;
  /** Every open socket (loading rooms included). */
  connections(): LiveConnection[];
  /** Creates a notebook's document: empty, or imported from .ipynb JSON (throws InvalidNotebookError). */
  createDocument(notebookId: string, ipynb?: unknown): Promise<void>;
  /** The notebook as nbformat 4.5 JSON, validated. */
  exportNotebook(notebookId: string): Promise<Nbformat>;
  /**
   * Replaces the document with .ipynb JSON under a new epoch: clients holding the old history are
   * told to reload (close code 4409) instead of merging into duplicates.
   */
  replaceDocument(notebookId: string, ipynb: unknown): Promise<{ epoch: number }>;
  /** Closes the room of a deleted notebook (its rows go with the notebook). */
  dropDocument(notebookId: string): Promise<void>;
  versions: {
    create(notebookId: string, name: string, createdBy: string | null): Promise<VersionInfo>;
    list(notebookId: string): Promise<VersionInfo[]>;
    /** A version as nbformat JSON, or null. */
    get(notebookId: string, versionId: string): Promise<{ version: VersionInfo; notebook: Nbformat } | null>;
    /** Replaces the document with a version (new epoch); null when there is no such version. */
    restore(notebookId: string, versionId: string): Promise<{ epoch: number } | null>;
  };
  shareLinks: ShareLinks & {
    /** Revokes a link and closes its open connections at once. */
    revoke(notebookId: string, linkId: string): ReturnType<ShareLinks["revoke"]>;
  };
  stats(): { rooms: number; connections: number };
  close(): Promise<void>;
}

export function createCollab(options: CollabOptions): Collab {
  const { db, log } = options;
  const idleUnloadMs = options.idleUnloadMs ?? 30_000;
  const store = new DocumentStore(db);
  const versions = new Versions(db);
  const clock = options.clock ?? (() => new Date());
  const links = new ShareLinks(db, clock);
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 32 * 1024 * 1024 });
  const rooms = new Map<string, Promise<Room>>();
  const live = new Set<LiveConnection>();
  const unloading = new Map<string, Promise<void>>();
  let closing = false;

  const roomOptions = { compactEvery: options.compactEvery ?? 500, log };

  async function loadStored(notebookId: string): Promise<StoredDocument> {
    let stored = await store.load(notebookId);
    if (!stored) {
      // A notebook made before it had a document gets an empty one.
      const doc = createNotebookDoc();
      await store.create(notebookId, Y.encodeStateAsUpdate(doc));
      doc.destroy();
      stored = await store.load(notebookId);
    }
    return stored!;
  }

  async function room(notebookId: string): Promise<Room> {
    if (closing) throw new CollabError("closing", "The collaboration service is closing");
    await unloading.get(notebookId);
    let loading = rooms.get(notebookId);
    if (!loading) {
      loading = loadStored(notebookId).then((stored) => new Room(notebookId, store, roomOptions, stored));
      rooms.set(notebookId, loading);
      loading.catch(() => rooms.delete(notebookId));
    }
    const r = await loading;
    clearTimeout(r.idleTimer);
    return r;
  }

  /** Unloads a room once nothing holds it for `idleUnloadMs`: an idle room costs no memory. */
  function maybeUnload(r: Room) {
    if (!r.idle || closing) return;
    clearTimeout(r.idleTimer);
    r.idleTimer = setTimeout(() => {
      if (!r.idle || rooms.get(r.notebookId) === undefined) return;
      rooms.delete(r.notebookId);
      const done = r
        .close()
        .catch((err) => log.error({ err, notebookId: r.notebookId }, "unloading a room failed"))
        .finally(() => unloading.delete(r.notebookId));
      unloading.set(r.notebookId, done);
    }, idleUnloadMs);
    r.idleTimer.unref?.();
  }

  /** Loaded room, if any (without loading one). */
  async function loaded(notebookId: string): Promise<Room | undefined> {
    const loading = rooms.get(notebookId);
    return loading ? loading.catch(() => undefined) : undefined;
  }

  async function open(notebookId: string): Promise<DocHandle> {
    const r = await room(notebookId);
    r.handles++;
    let released = false;
    return {
      get doc() {
        return r.doc;
      },
      get epoch() {
        return r.epoch;
      },
      persisted: () => r.persisted(),
      release() {
        if (released) return;
        released = true;
        r.handles--;
        maybeUnload(r);
      },
    };
  }

  async function withDoc<T>(notebookId: string, fn: (doc: Y.Doc, epoch: number) => T | Promise<T>): Promise<T> {
    const handle = await open(notebookId);
    try {
      return await fn(handle.doc, handle.epoch);
    } finally {
      handle.release();
    }
  }

  async function replaceWith(notebookId: string, update: Uint8Array): Promise<{ epoch: number }> {
    const r = await room(notebookId);
    r.handles++;
    try {
      await r.persisted();
      // Every client id ever seen in this notebook's history (all earlier epochs).
      const retired = new Map(r.retired);
      for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(r.doc))) {
        retired.set(client, Math.max(clock, retired.get(client) ?? 0));
      }
      const encodedRetired = encodeStateVectorMap(retired);
      const epoch = await store.replace(notebookId, update, encodedRetired);
      r.replace({ epoch, snapshot: update, snapshotSeq: 0, retired: encodedRetired, updates: [] });
      log.info({ notebookId, epoch }, "document replaced; new epoch");
      return { epoch };
    } finally {
      r.handles--;
      maybeUnload(r);
    }
  }

  function accept(req: IncomingMessage, socket: Duplex, head: Buffer, then: (ws: import("ws").WebSocket) => void) {
    wss.handleUpgrade(req, socket, head, then);
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, access: Access | Refusal) {
    accept(req, socket, head, (ws) => {
      if ("code" in access) return ws.close(access.code, access.reason);
      if (closing) return ws.close(CloseCode.goingAway, "Server shutting down");
      // Frames that arrive while the room loads are kept in order.
      const early: Uint8Array[] = [];
      let conn: Connection | undefined;
      const entry: LiveConnection = {
        access,
        close: (code, reason) => (conn ? conn.close(code, reason) : ws.close(code, reason)),
        makeReadOnly: () => {
          access.readOnly = true;
        },
        makeWritable: () => {
          access.readOnly = false;
          conn?.becomeWritable();
        },
      };
      live.add(entry);
      let alive = true;
      ws.on("pong", () => {
        alive = true;
      });
      const ping = setInterval(() => {
        if (!alive) return ws.terminate();
        alive = false;
        ws.ping();
      }, options.pingIntervalMs ?? 30_000);
      ping.unref?.();
      ws.on("message", (data: RawData, isBinary: boolean) => {
        if (!isBinary) return ws.close(CloseCode.malformed, "y-websocket frames are binary");
        const bytes = toBytes(data);
        if (conn) conn.handle(bytes);
        else early.push(bytes);
      });
      ws.on("error", (err) => log.debug({ err }, "collab socket error"));
      ws.on("close", () => {
        live.delete(entry);
        clearInterval(ping);
        if (conn) {
          conn.detach();
          maybeUnload(conn.room);
        }
      });
      room(access.notebookId).then(
        (r) => {
          if (ws.readyState !== ws.OPEN) return maybeUnload(r);
          conn = new Connection(ws, access, r, log, clock);
          conn.start();
          for (const bytes of early.splice(0)) conn.handle(bytes);
        },
        (err) => {
          log.error({ err, notebookId: access.notebookId }, "loading a room failed");
          ws.close(CloseCode.internal, "The notebook could not be loaded");
        },
      );
    });
  }

  async function createDocument(notebookId: string, ipynb?: unknown) {
    const update = ipynb === undefined ? Y.encodeStateAsUpdate(createNotebookDoc()) : nbformatToUpdate(ipynb);
    await store.create(notebookId, update);
  }

  const shareLinks = Object.assign(Object.create(links) as ShareLinks, {
    async revoke(notebookId: string, linkId: string) {
      const row = await links.revoke(notebookId, linkId);
      if (row) {
        const r = await loaded(notebookId);
        for (const conn of r?.socketsOf((c) => c.access.shareLinkId === linkId) ?? []) {
          conn.close(CloseCode.forbidden, "The share link was revoked");
        }
      }
      return row;
    },
  });

  return {
    open,
    handleUpgrade,
    connections: () => [...live],
    createDocument,
    exportNotebook: (notebookId) => withDoc(notebookId, (doc) => exportNbformat(doc)),
    replaceDocument: async (notebookId, ipynb) => replaceWith(notebookId, nbformatToUpdate(ipynb)),
    async dropDocument(notebookId) {
      const r = await loaded(notebookId);
      if (!r) return;
      rooms.delete(notebookId);
      clearTimeout(r.idleTimer);
      for (const conn of [...r.connections]) conn.close(CloseCode.gone, "The notebook was deleted");
      r.handles = 0;
      await r.close(CloseCode.gone, "The notebook was deleted").catch(() => {});
    },
    versions: {
      create: (notebookId, name, createdBy) =>
        withDoc(notebookId, async (doc, epoch) =>
          versions.insert(notebookId, name, epoch, Y.encodeStateAsUpdate(doc), createdBy),
        ),
      list: (notebookId) => versions.list(notebookId),
      async get(notebookId, versionId) {
        const row = await versions.get(notebookId, versionId);
        if (!row) return null;
        const { snapshot, ...version } = row;
        return { version, notebook: notebookOf(snapshot) };
      },
      async restore(notebookId, versionId) {
        const row = await versions.get(notebookId, versionId);
        if (!row) return null;
        // Rebuilt from JSON in a fresh doc (new epoch): old client ids must not come back.
        return replaceWith(notebookId, nbformatToUpdate(notebookOf(row.snapshot)));
      },
    },
    shareLinks,
    stats: () => ({ rooms: rooms.size, connections: wss.clients.size }),
    async close() {
      if (closing) return;
      closing = true;
      const all = await Promise.all([...rooms.values()].map((p) => p.catch(() => undefined)));
      rooms.clear();
      await Promise.all(all.map((r) => r?.close().catch((err) => log.error({ err }, "closing a room failed"))));
      await Promise.all(unloading.values());
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function notebookOf(snapshot: Uint8Array): Nbformat {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, snapshot);
  const nb = toNbformat(doc);
  doc.destroy();
  return nb;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A state vector's encoding (as Y.encodeStateVector writes it) for a plain map. */
function encodeStateVectorMap(vector: Map<number, number>): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, vector.size);
  for (const [client, clock] of vector) {
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, clock);
  }
  return encoding.toUint8Array(e);
}
