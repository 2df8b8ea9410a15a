import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

/** A WebSocket endpoint: returns true when it took the upgrade. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean | Promise<boolean>;

/** Refuses an upgrade with a plain HTTP answer (before any WebSocket exists). */
export function refuseUpgrade(socket: Duplex, status: number, message: string) {
  const body = JSON.stringify({ error: { code: status === 404 ? "not_found" : "refused", message } });
  socket.end(
    `HTTP/1.1 ${status} ${status === 404 ? "Not Found" : "Refused"}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
