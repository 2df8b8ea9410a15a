import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import type { Channel } from "./channels.ts";
import type { Kernel } from "./kernel.ts";
import type { KernelState } from "./kernel-process.ts";
import { newHeader, RawMessage } from "./wire.ts";

/** Jupyter Server's binary kernel WebSocket subprotocol (what @jupyterlab/services prefers). */
export const V1_PROTOCOL = "v1.kernel.websocket.jupyter.org";

/** v1 framing: offset count, offsets (little-endian u64), channel, then the message parts. */
export function serializeV1(channel: string, parts: Buffer[]): Buffer {
  const chan = Buffer.from(channel);
  const n = parts.length + 2;
  const head = Buffer.alloc(8 * (n + 1));
  head.writeBigUInt64LE(BigInt(n), 0);
  let offset = head.length;
  head.writeBigUInt64LE(BigInt(offset), 8);
  offset += chan.length;
  for (let i = 0; i < parts.length; i++) {
    head.writeBigUInt64LE(BigInt(offset), 8 * (i + 2));
    offset += parts[i]!.length;
  }
  head.writeBigUInt64LE(BigInt(offset), 8 * n);
  return Buffer.concat([head, chan, ...parts]);
}

export function deserializeV1(data: Buffer): { channel: string; parts: Buffer[] } {
  const n = Number(data.readBigUInt64LE(0));
  const offsets: number[] = [];
  for (let i = 0; i < n; i++) offsets.push(Number(data.readBigUInt64LE(8 * (i + 1))));
  const channel = data.subarray(offsets[0], offsets[1]).toString("utf8");
  const parts: Buffer[] = [];
  for (let i = 1; i < n - 1; i++) parts.push(data.subarray(offsets[i], offsets[i + 1]));
  return { channel, parts };
}

/** An open channels socket, for following revocations: who opened it (opaque here), and how to narrow or end it. */
export interface LiveChannel {
  readonly kernelId: string;
  /** What the server attached when it authorized the upgrade. */
  readonly grant: unknown;
  close(code: number, reason: string): void;
  /** Watch-only from now on (a downgrade to viewer), or driving again (a promotion). */
  setSending(canSend: boolean): void;
}

interface Conn {
  ws: WebSocket;
  v1: boolean;
  /** Whether this client may send (viewers may only watch). */
  canSend: boolean;
}

const CLIENT_CHANNELS = new Set(["shell", "control", "stdin"]);

/**
 * The channels of one kernel shared by its WebSocket clients: iopub goes to all, replies and
 * input requests to the client whose request they answer (routed by parent msg_id).
 */
class KernelBridge {
  readonly conns = new Set<Conn>();
  private readonly routes = new Map<string, Conn>();
  /** The kernel's own session id: statuses the server makes up carry it, as clients expect. */
  private kernelSession?: string;
  private readonly detach: () => void;

  constructor(private readonly kernel: Kernel) {
    const onMessage = (channel: Channel, msg: RawMessage) => this.fromKernel(channel, msg);
    const onState = (state: KernelState) => {
      // Only "dead", as Jupyter Server: @jupyterlab/services reads "restarting" as an auto-restart
      // (and reconnects), and any status under another session makes it drop in-flight messages.
      if (state === "dead") this.broadcastStatus(state);
    };
    kernel.on("message", onMessage);
    kernel.on("state", onState);
    this.detach = () => {
      kernel.off("message", onMessage);
      kernel.off("state", onState);
    };
  }

  private fromKernel(channel: Channel, msg: RawMessage) {
    this.kernelSession = msg.header.session;
    if (channel === "iopub") {
      for (const c of this.conns) send(c, channel, msg);
      return;
    }
    const parent = msg.parentId;
    const conn = parent ? this.routes.get(parent) : undefined;
    if (!conn) return;
    if (msg.msgType.endsWith("_reply")) this.routes.delete(parent!);
    if (this.conns.has(conn)) send(conn, channel, msg);
  }

  private broadcastStatus(state: string) {
    const msg = RawMessage.from({
      header: newHeader("status", this.kernelSession ?? this.kernel.session),
      parent_header: {},
      metadata: {},
      content: { execution_state: state },
    });
    for (const c of this.conns) send(c, "iopub", msg);
  }

  fromClient(conn: Conn, data: RawData, isBinary: boolean) {
    let channel: string;
    let msg: RawMessage;
    try {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (conn.v1 && isBinary) {
        const d = deserializeV1(buf);
        if (d.parts.length < 4) throw new Error("short message");
        channel = d.channel;
        msg = new RawMessage(d.parts.slice(0, 4) as [Buffer, Buffer, Buffer, Buffer], d.parts.slice(4));
        void msg.header.msg_id;
      } else {
        const json = JSON.parse(buf.toString("utf8"));
        channel = json.channel;
        msg = RawMessage.from({
          header: json.header,
          parent_header: json.parent_header ?? {},
          metadata: json.metadata ?? {},
          content: json.content ?? {},
        });
      }
      if (!msg.header?.msg_id || !msg.header.msg_type) throw new Error("no header");
    } catch {
      conn.ws.close(1007, "Not a Jupyter message");
      return;
    }
    if (!CLIENT_CHANNELS.has(channel)) return;
    if (!conn.canSend) return;
    if (channel !== "stdin") this.routes.set(msg.header.msg_id, conn);
    this.kernel.send(channel as "shell" | "control" | "stdin", msg).catch(() => {
      this.routes.delete(msg.header.msg_id);
    });
  }

  remove(conn: Conn) {
    this.conns.delete(conn);
    for (const [id, c] of this.routes) if (c === conn) this.routes.delete(id);
  }

  close() {
    this.detach();
    for (const c of this.conns) c.ws.close(1001, "Kernel shut down");
  }
}

function send(conn: Conn, channel: string, msg: RawMessage) {
  if (conn.ws.readyState !== WebSocket.OPEN) return;
  if (conn.v1) {
    conn.ws.send(serializeV1(channel, [...msg.parts, ...msg.buffers]), { binary: true });
    return;
  }
  const m = msg.message();
  conn.ws.send(
    JSON.stringify({
      header: m.header,
      msg_id: m.header.msg_id,
      msg_type: m.header.msg_type,
      parent_header: m.parent_header,
      metadata: m.metadata,
      content: m.content,
      buffers: [],
      channel,
    }),
  );
}

/** `/api/kernels/:id/channels`: Jupyter Server's kernel WebSocket, in both its JSON and v1 forms. */
export class ChannelsServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 256 * 1024 * 1024,
    handleProtocols: (protocols) => (protocols.has(V1_PROTOCOL) ? V1_PROTOCOL : false),
  });
  private readonly bridges = new Map<Kernel, KernelBridge>();
  private readonly live = new Set<LiveChannel>();

  /** Every open channels socket. */
  connections(): LiveChannel[] {
    return [...this.live];
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, kernel: Kernel, canSend: boolean, grant?: unknown) {
    (socket as Duplex & { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      let bridge = this.bridges.get(kernel);
      if (!bridge) {
        bridge = new KernelBridge(kernel);
        this.bridges.set(kernel, bridge);
      }
      const conn: Conn = { ws, v1: ws.protocol === V1_PROTOCOL, canSend };
      const entry: LiveChannel = {
        kernelId: kernel.id,
        grant,
        close: (code, reason) => ws.close(code, reason),
        setSending: (canSend) => {
          conn.canSend = canSend;
        },
      };
      this.live.add(entry);
      bridge.conns.add(conn);
      kernel.connections = bridge.conns.size;
      const b = bridge;
      ws.on("message", (data, isBinary) => b.fromClient(conn, data, isBinary));
      ws.on("close", () => {
        this.live.delete(entry);
        b.remove(conn);
        kernel.connections = b.conns.size;
        if (!b.conns.size) {
          b.close();
          this.bridges.delete(kernel);
        }
      });
      ws.on("error", () => ws.terminate());
    });
  }

  /** Closes the sockets of a kernel that is gone. */
  drop(kernel: Kernel) {
    this.bridges.get(kernel)?.close();
    this.bridges.delete(kernel);
  }

  close() {
    for (const b of this.bridges.values()) b.close();
    this.bridges.clear();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
