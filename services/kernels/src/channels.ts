import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { Dealer, Request, Subscriber } from "zeromq";
import type { ConnectionInfo } from "./connection.ts";
import { SendQueue } from "./queue.ts";
import { type RawMessage, Signer } from "./wire.ts";

export type Channel = "shell" | "control" | "stdin" | "iopub";

/**
 * The ZeroMQ sockets to one kernel process. Each socket has one reader loop and one send
 * queue (zeromq allows a single pending receive and send per socket). Shell and stdin share a
 * routing id, so the kernel's `input_request` comes back to us.
 */
export class KernelSockets extends EventEmitter<{ message: [Channel, RawMessage]; error: [Error] }> {
  readonly signer: Signer;
  private readonly shell: Dealer;
  private readonly control: Dealer;
  private readonly stdin: Dealer;
  private readonly iopub: Subscriber;
  private readonly queues = { shell: new SendQueue(), control: new SendQueue(), stdin: new SendQueue() };
  private closed = false;

  constructor(private readonly info: ConnectionInfo) {
    super();
    this.signer = new Signer(info.key);
    const routingId = randomUUID();
    const url = (port: number) => `${info.transport}://${info.ip}:${port}`;
    this.shell = new Dealer({ routingId, linger: 0 });
    this.stdin = new Dealer({ routingId, linger: 0 });
    this.control = new Dealer({ linger: 0 });
    // No receive limit on our side: a flood must not make us drop a cell's idle status or its last print.
    this.iopub = new Subscriber({ linger: 0, receiveHighWaterMark: 0 });
    this.shell.connect(url(info.shell_port));
    this.stdin.connect(url(info.stdin_port));
    this.control.connect(url(info.control_port));
    this.iopub.connect(url(info.iopub_port));
    this.iopub.subscribe();
    this.read("shell", this.shell);
    this.read("stdin", this.stdin);
    this.read("control", this.control);
    this.read("iopub", this.iopub);
  }

  private async read(channel: Channel, socket: AsyncIterable<Buffer[]>) {
    try {
      for await (const frames of socket) {
        let msg: RawMessage;
        try {
          msg = this.signer.parse(frames);
        } catch (err) {
          this.emit("error", err as Error);
          continue;
        }
        this.emit("message", channel, msg);
      }
    } catch (err) {
      if (!this.closed) this.emit("error", err as Error);
    }
  }

  send(channel: Exclude<Channel, "iopub">, msg: RawMessage): Promise<void> {
    const socket = this[channel];
    const frames = this.signer.frames(msg);
    return this.queues[channel].push(() => (this.closed ? Promise.resolve() : socket.send(frames)));
  }

  /** One heartbeat: true when the kernel echoed within `timeoutMs`. */
  async ping(timeoutMs: number): Promise<boolean> {
    if (this.closed) return false;
    // A fresh REQ each time: a REQ socket that missed its reply cannot send again.
    const hb = new Request({ linger: 0, receiveTimeout: timeoutMs, sendTimeout: timeoutMs });
    try {
      hb.connect(`${this.info.transport}://${this.info.ip}:${this.info.hb_port}`);
      await hb.send("ping");
      await hb.receive();
      return true;
    } catch {
      return false;
    } finally {
      hb.close();
    }
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.shell, this.stdin, this.control, this.iopub]) s.close();
  }
}
