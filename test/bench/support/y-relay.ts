/**
 * A y-websocket room held in this process and wired to browser contexts with Playwright's
 * routeWebSocket: it answers sync step 1/2, relays updates and awareness. Used by the web
 * benchmark only while services/collab (issue #3) has not landed on this branch; the
 * benchmark says when it is in use.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import type { BrowserContext, WebSocketRoute } from "playwright-core";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";

export class RelayRoom {
  doc = new Y.Doc();
  awareness = new awarenessProtocol.Awareness(this.doc);
  conns = new Set<WebSocketRoute>();
  constructor() {
    this.awareness.setLocalState(null);
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, 0);
      syncProtocol.writeUpdate(enc, update);
      const msg = encoding.toUint8Array(enc);
      for (const c of this.conns) if (c !== origin) c.send(Buffer.from(msg));
    });
    this.awareness.on("update", ({ added, updated, removed }: any) => {
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, 1);
      encoding.writeVarUint8Array(
        enc,
        awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...added, ...updated, ...removed]),
      );
      const msg = encoding.toUint8Array(enc);
      for (const c of this.conns) c.send(Buffer.from(msg));
    });
  }
  async attach(ctx: BrowserContext) {
    await ctx.routeWebSocket(/\/collab\//, (ws) => {
      this.conns.add(ws);
      ws.onClose(() => this.conns.delete(ws));
      ws.onMessage((data) => {
        const buf = typeof data === "string" ? Buffer.from(data) : data;
        const dec = decoding.createDecoder(new Uint8Array(buf));
        const enc = encoding.createEncoder();
        const type = decoding.readVarUint(dec);
        if (type === 0) {
          encoding.writeVarUint(enc, 0);
          syncProtocol.readSyncMessage(dec, enc, this.doc, ws);
          if (encoding.length(enc) > 1) ws.send(Buffer.from(encoding.toUint8Array(enc)));
        } else if (type === 1) {
          awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(dec), ws);
        }
      });
      // server's step 1
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, 0);
      syncProtocol.writeSyncStep1(enc, this.doc);
      ws.send(Buffer.from(encoding.toUint8Array(enc)));
    });
  }
}
