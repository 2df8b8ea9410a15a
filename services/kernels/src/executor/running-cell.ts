import type { OutputWriter } from "../outputs.ts";
import type { RawMessage } from "../wire.ts";
import type { QueuedCell } from "./queued-cell.ts";

/**
 * The cell whose execute_request is in flight. It ends when the kernel has both replied and gone
 * idle, or when `finish` is called with a reason (the kernel died, was restarted or shut down).
 */
/** After the shell reply, how long iopub's idle status may lag before the reply alone ends the cell. */
export const IDLE_AFTER_REPLY_MS = 2000;

export class RunningCell {
  private replied = false;
  private graceTimer?: NodeJS.Timeout;
  private idle = false;
  /** The execute_reply's status ("ok", "error", "aborted"). */
  status?: string;
  /** The first error the kernel reported for this run. */
  error?: { ename: string; evalue: string };
  /** A pending input() request. */
  input?: RawMessage;
  private end!: (failure?: string) => void;
  /** Resolves with the reason the run was cut short, or undefined when the kernel finished it. */
  readonly ended = new Promise<string | undefined>((resolve) => {
    this.end = (failure) => {
      clearTimeout(this.graceTimer);
      resolve(failure);
    };
  });

  constructor(
    readonly queued: QueuedCell,
    readonly msgId: string,
    readonly writer: OutputWriter,
  ) {}

  get cellId(): string {
    return this.queued.cellId;
  }

  reply(content: Record<string, unknown>) {
    this.status = String(content.status);
    if (this.status === "error" && !this.error && typeof content.ename === "string")
      this.error = { ename: content.ename, evalue: String(content.evalue ?? "") };
    this.replied = true;
    if (this.idle) return this.end();
    // A flood can make the kernel drop iopub messages, idle included: the reply still ends the cell.
    this.graceTimer = setTimeout(() => this.end(), IDLE_AFTER_REPLY_MS);
    this.graceTimer.unref?.();
  }

  wentIdle() {
    this.idle = true;
    if (this.replied) this.end();
  }

  finish(failure?: string) {
    this.end(failure);
  }
}
