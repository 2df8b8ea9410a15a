import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

/** Jupyter messaging protocol version spoken to kernels. */
export const PROTOCOL_VERSION = "5.3";
const DELIM = Buffer.from("<IDS|MSG>");

export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
  [key: string]: unknown;
}

/** A decoded Jupyter message. Content is parsed lazily by the caller when it needs it. */
export interface JupyterMessage {
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
}

/**
 * A message as frames, with the four JSON parts kept as bytes: forwarding to a v1 WebSocket
 * client needs no re-encoding, and a parse happens only when something reads it.
 */
export class RawMessage {
  private parsed?: JupyterMessage;
  private headerCache?: MessageHeader;
  private parentCache?: Partial<MessageHeader>;

  constructor(
    readonly parts: [Buffer, Buffer, Buffer, Buffer],
    readonly buffers: Buffer[] = [],
  ) {}

  get header(): MessageHeader {
    this.headerCache ??= JSON.parse(this.parts[0].toString("utf8"));
    return this.headerCache!;
  }

  get parentHeader(): Partial<MessageHeader> {
    this.parentCache ??= JSON.parse(this.parts[1].toString("utf8"));
    return this.parentCache!;
  }

  get msgType(): string {
    return this.header.msg_type;
  }

  get parentId(): string | undefined {
    return this.parentHeader.msg_id;
  }

  message(): JupyterMessage {
    this.parsed ??= {
      header: this.header,
      parent_header: this.parentHeader,
      metadata: JSON.parse(this.parts[2].toString("utf8")),
      content: JSON.parse(this.parts[3].toString("utf8")),
      buffers: this.buffers,
    };
    return this.parsed;
  }

  static from(msg: Omit<JupyterMessage, "buffers"> & { buffers?: Buffer[] }): RawMessage {
    const raw = new RawMessage(
      [
        Buffer.from(JSON.stringify(msg.header)),
        Buffer.from(JSON.stringify(msg.parent_header ?? {})),
        Buffer.from(JSON.stringify(msg.metadata ?? {})),
        Buffer.from(JSON.stringify(msg.content ?? {})),
      ],
      msg.buffers ?? [],
    );
    raw.parsed = { ...msg, buffers: msg.buffers ?? [] } as JupyterMessage;
    raw.headerCache = msg.header;
    return raw;
  }
}

export function newHeader(msgType: string, session: string, username = "tandem"): MessageHeader {
  return {
    msg_id: randomUUID(),
    msg_type: msgType,
    session,
    username,
    date: new Date().toISOString(),
    version: PROTOCOL_VERSION,
  };
}

/** Signs and frames a message for a kernel socket (HMAC-SHA256 over the four JSON parts). */
export class Signer {
  constructor(private readonly key: string) {}

  sign(parts: readonly Buffer[]): string {
    if (!this.key) return "";
    const hmac = createHmac("sha256", this.key);
    for (const p of parts) hmac.update(p);
    return hmac.digest("hex");
  }

  frames(msg: RawMessage, identities: Buffer[] = []): Buffer[] {
    return [...identities, DELIM, Buffer.from(this.sign(msg.parts)), ...msg.parts, ...msg.buffers];
  }

  /** Parses frames from a kernel; throws on a bad signature (a kernel we did not start). */
  parse(frames: Buffer[]): RawMessage {
    let i = 0;
    while (i < frames.length && !frames[i]!.equals(DELIM)) i++;
    if (i >= frames.length || frames.length < i + 6) throw new Error("Malformed Jupyter message");
    const signature = frames[i + 1]!;
    const parts = frames.slice(i + 2, i + 6) as [Buffer, Buffer, Buffer, Buffer];
    if (this.key) {
      const expected = Buffer.from(this.sign(parts));
      if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
        throw new Error("Invalid message signature");
      }
    }
    return new RawMessage(parts, frames.slice(i + 6));
  }
}
