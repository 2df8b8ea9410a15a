import type { TestServer } from "@tandem/testkit";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";

/** Polls until `check` holds (tests wait on outcomes, never on wall-clock time). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Client {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Close codes this client's sockets were closed with, in order. */
  closes: number[];
  synced(): Promise<void>;
  destroy(): void;
}

/** A stock y-websocket client (v3) over a real WebSocket. */
export function connect(
  url: string,
  notebookId: string,
  options: { token?: string; share?: string; doc?: Y.Doc; connect?: boolean } = {},
): Client {
  const doc = options.doc ?? new Y.Doc();
  const params: Record<string, string> = {};
  if (options.token) params.token = options.token;
  if (options.share) params.share = options.share;
  const provider = new WebsocketProvider(`${url.replace(/^http/, "ws")}/collab`, notebookId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params,
    disableBc: true,
    connect: options.connect ?? true,
    maxBackoffTime: 300,
  });
  const closes: number[] = [];
  provider.on("connection-close", (event) => {
    if (event) closes.push(event.code);
  });
  return {
    doc,
    provider,
    closes,
    synced: () => until(() => provider.synced, `client of ${notebookId} to sync`),
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

export const wsUrl = (server: TestServer) => server.url.replace(/^http/, "ws");

/** Raw socket to the sync endpoint, for protocol-level checks. */
export function rawSocket(
  server: TestServer,
  notebookId: string,
  token: string,
): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(`${wsUrl(server)}/collab/${notebookId}?token=${encodeURIComponent(token)}`);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ ws, closed }));
    ws.once("error", reject);
  });
}

/** Waits for a socket's close code (for refusals). */
export function closeOf(url: string): Promise<{ code: number; reason: string }> {
  const ws = new WebSocket(url);
  ws.on("error", () => {});
  return new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Adds a code cell as a Jupyter client would (the @jupyter/ydoc layout). */
export function addCodeCell(doc: Y.Doc, id: string, source: string, index?: number) {
  doc.transact(() => {
    const cell = new Y.Map<unknown>();
    cell.set("id", id);
    cell.set("cell_type", "code");
    cell.set("source", new Y.Text(source));
    cell.set("metadata", new Y.Map());
    cell.set("outputs", new Y.Array());
    cell.set("execution_count", null);
    const cells = doc.getArray<Y.Map<unknown>>("cells");
    cells.insert(index ?? cells.length, [cell]);
  });
}

export function cellSources(doc: Y.Doc): string[] {
  return doc.getArray<Y.Map<unknown>>("cells").map((c) => String(c.get("source")));
}

export function sourceOf(doc: Y.Doc, index: number): Y.Text {
  return doc.getArray<Y.Map<unknown>>("cells").get(index).get("source") as Y.Text;
}
