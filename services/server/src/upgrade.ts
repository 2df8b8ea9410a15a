import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

/** A WebSocket endpoint: returns true when it took the upgrade. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean | Promise<boolean>;

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
};
const ERROR_CODE: Record<number, string> = {
  400: "bad_request",
  401: "unauthenticated",
  403: "forbidden",
  404: "not_found",
  500: "internal",
};

/** Refuses an upgrade with a plain HTTP answer (before any WebSocket exists). */
export function refuseUpgrade(socket: Duplex, status: number, message: string) {
  const body = JSON.stringify({ error: { code: ERROR_CODE[status] ?? "refused", message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Refused"}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** decodeURIComponent that answers null for a malformed percent-encoding (instead of throwing). */
export function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The request's headers as a fetch Headers. */
export function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}

/**
 * Whether a cookie-authenticated upgrade comes from our own pages: a cookie rides along on any
 * site's WebSocket. `Origin: null` (sandboxed frames, file: pages) is never our page.
 */
export function sameOrigin(headers: Headers): boolean {
  const origin = headers.get("origin");
  if (!origin) return true;
  try {
    return new URL(origin).host === headers.get("host");
  } catch {
    return false;
  }
}
