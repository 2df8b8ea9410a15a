import { findCell, type NbOutput, outputToY, SERVER_ORIGIN } from "@tandem/notebook";
import * as Y from "yjs";

export interface OutputLimits {
  /** Most stream characters kept per cell run; beyond it the head and tail are kept with a marker between. */
  streamLimit: number;
  /** How long stream text is gathered before it is written (one transaction per batch). */
  flushMs: number;
  /** How often the kept tail is rewritten while a run is over the limit. */
  tailRefreshMs: number;
  /** Most outputs (display data, results, errors, stream blocks) kept per cell run; beyond it they are dropped with a marker. */
  countLimit?: number;
  /** Most bytes of rich outputs (their JSON) kept per cell run. */
  bytesLimit?: number;
}

/** Where display ids live (update_display_data may reach outputs of other cells). */
export type DisplayIndex = Map<string, Set<Y.Map<unknown>>>;

/**
 * Writes one cell run's outputs into the document. Stream text is batched (one transaction per
 * `flushMs`) and capped: past the limit only a bounded tail is kept in memory and rewritten now
 * and then, so a cell printing millions of lines cannot grow the document without bound.
 */
export class OutputWriter {
  private pending: { name: string; text: string }[] = [];
  private timer?: NodeJS.Timeout;
  private clearOnNext = false;
  private headLeft: number;
  private readonly tailSize: number;
  private tail: string[] = [];
  private tailLength = 0;
  private droppedChars = 0;
  private droppedLines = 0;
  private tailOutput?: Y.Map<unknown>;
  private tailDirty = false;
  private lastTailWrite = 0;
  private closed = false;
  private outputCount = 0;
  private outputBytes = 0;
  private droppedOutputs = 0;
  private droppedOutputBytes = 0;
  private dropMarker?: Y.Map<unknown>;
  private markerStale = false;

  constructor(
    private readonly doc: () => Y.Doc | undefined,
    private readonly cellId: string,
    private readonly limits: OutputLimits,
    private readonly displays: DisplayIndex,
  ) {
    // A small tail: it is rewritten while a flood goes on, and each rewrite is a document update.
    this.tailSize = Math.min(Math.floor(limits.streamLimit / 4), 16_384);
    this.headLeft = limits.streamLimit - this.tailSize;
  }

  private outputs(doc: Y.Doc): Y.Array<Y.Map<unknown>> | undefined {
    const cell = findCell(doc, this.cellId);
    if (!cell) return undefined;
    let outputs = cell.get("outputs") as Y.Array<Y.Map<unknown>> | undefined;
    if (!(outputs instanceof Y.Array)) {
      outputs = new Y.Array();
      cell.set("outputs", outputs);
    }
    return outputs;
  }

  private transact(fn: (outputs: Y.Array<Y.Map<unknown>>) => void) {
    const doc = this.doc();
    // The document was let go (the kernel is shutting down): nothing left to write to.
    if (!doc) return;
    doc.transact(() => {
      const outputs = this.outputs(doc);
      if (outputs) fn(outputs);
    }, SERVER_ORIGIN);
  }

  private resetCap() {
    this.headLeft = this.limits.streamLimit - this.tailSize;
    this.tail = [];
    this.tailLength = 0;
    this.droppedChars = 0;
    this.droppedLines = 0;
    this.tailOutput = undefined;
    this.tailDirty = false;
  }

  private applyClear(outputs: Y.Array<Y.Map<unknown>>) {
    outputs.delete(0, outputs.length);
    this.clearOnNext = false;
    this.resetCap();
    this.outputCount = 0;
    this.outputBytes = 0;
    this.droppedOutputs = 0;
    this.droppedOutputBytes = 0;
    this.dropMarker = undefined;
  }

  /** Whether one more rich output of `bytes` fits the per-cell caps; counts it either way. */
  private fits(bytes: number): boolean {
    const countLimit = this.limits.countLimit ?? Number.POSITIVE_INFINITY;
    const bytesLimit = this.limits.bytesLimit ?? Number.POSITIVE_INFINITY;
    if (this.outputCount + 1 <= countLimit && this.outputBytes + bytes <= bytesLimit) {
      this.outputCount++;
      this.outputBytes += bytes;
      return true;
    }
    this.droppedOutputs++;
    this.droppedOutputBytes += bytes;
    return false;
  }

  /** The one marker output saying how much was dropped (rewritten as more is). */
  private writeDropMarker(outputs: Y.Array<Y.Map<unknown>>) {
    const text =
      `… [Tandem: ${this.droppedOutputs.toLocaleString("en")} outputs (${this.droppedOutputBytes.toLocaleString("en")} bytes) ` +
      `dropped; the limits are ${(this.limits.countLimit ?? 0).toLocaleString("en")} outputs and ` +
      `${(this.limits.bytesLimit ?? 0).toLocaleString("en")} bytes per cell] …\n`;
    if (!this.dropMarker || this.dropMarker.parent !== outputs) {
      this.dropMarker = outputToY({ output_type: "stream", name: "stderr", text: "" });
      outputs.push([this.dropMarker]);
    }
    const ytext = this.dropMarker.get("text") as Y.Text;
    ytext.delete(0, ytext.length);
    ytext.insert(0, text);
  }

  stream(name: string, text: string) {
    if (this.closed || !text) return;
    this.pending.push({ name, text });
    this.timer ??= setTimeout(() => this.flush(), this.limits.flushMs);
  }

  /** Appends a display_data / execute_result / error output (stream text before it goes first). */
  add(output: NbOutput, displayId?: string) {
    if (this.closed) return;
    this.flush(true);
    this.transact((outputs) => {
      if (this.clearOnNext) this.applyClear(outputs);
      // Caps by count and bytes, as streams are by characters: a display() flood cannot grow the document.
      if (!this.fits(JSON.stringify(output).length)) {
        // The marker is rewritten at most once per batch of drops (each rewrite is a document update).
        if (this.droppedOutputs === 1 || this.droppedOutputs % 100 === 0) this.writeDropMarker(outputs);
        this.markerStale = this.droppedOutputs % 100 !== 0 && this.droppedOutputs !== 1;
        return;
      }
      const y = outputToY(output);
      outputs.push([y]);
      if (displayId) {
        const set = this.displays.get(displayId) ?? new Set();
        set.add(y);
        this.displays.set(displayId, set);
      }
      // Stream text after a rich output starts a new stream output, as in Jupyter.
      this.tailOutput = undefined;
    });
  }

  clear(wait: boolean) {
    if (this.closed) return;
    this.pending = [];
    if (wait) {
      this.clearOnNext = true;
      return;
    }
    this.transact((outputs) => this.applyClear(outputs));
  }

  /** Writes gathered stream text; `force` also rewrites a pending tail. */
  flush(force = false) {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length && !(this.tailDirty && force)) return;
    this.transact((outputs) => {
      if (batch.length && this.clearOnNext) this.applyClear(outputs);
      for (const { name, text } of batch) this.writeStream(outputs, name, text);
      const now = Date.now();
      if (this.tailDirty && (force || now - this.lastTailWrite >= this.limits.tailRefreshMs)) {
        this.writeTail(outputs, batch.at(-1)?.name ?? "stdout");
        this.lastTailWrite = now;
      }
    });
    if (this.tailDirty && !this.timer) this.timer = setTimeout(() => this.flush(), this.limits.tailRefreshMs);
  }

  private writeStream(outputs: Y.Array<Y.Map<unknown>>, name: string, text: string) {
    if (this.headLeft > 0) {
      const head = text.length <= this.headLeft ? text : text.slice(0, this.headLeft);
      this.headLeft -= head.length;
      appendCoalesced(outputs, name, head);
      text = text.slice(head.length);
      if (!text) return;
    }
    // Over the limit: keep a bounded tail in memory; count what falls out of it.
    this.tail.push(text);
    this.tailLength += text.length;
    while (this.tailLength - this.tail[0]!.length >= this.tailSize) {
      const dropped = this.tail.shift()!;
      this.tailLength -= dropped.length;
      this.countDropped(dropped);
    }
    this.tailDirty = true;
  }

  private countDropped(text: string) {
    this.droppedChars += text.length;
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.droppedLines++;
  }

  private writeTail(outputs: Y.Array<Y.Map<unknown>>, name: string) {
    let text = this.tail.join("");
    if (text.length > this.tailSize) {
      this.countDropped(text.slice(0, text.length - this.tailSize));
      text = text.slice(text.length - this.tailSize);
      this.tail = [text];
      this.tailLength = text.length;
    }
    const marker =
      `\n… [Tandem: ${this.droppedChars.toLocaleString("en")} characters (${this.droppedLines.toLocaleString("en")} lines) ` +
      `of output dropped here; the output limit is ${this.limits.streamLimit.toLocaleString("en")} characters per cell] …\n`;
    if (!this.tailOutput || this.tailOutput.parent !== outputs) {
      this.tailOutput = outputToY({ output_type: "stream", name, text: "" });
      outputs.push([this.tailOutput]);
    }
    const ytext = this.tailOutput.get("text") as Y.Text;
    ytext.delete(0, ytext.length);
    ytext.insert(0, marker + text);
    this.tailDirty = false;
  }

  /** Flushes everything and stops writing (the run is over). */
  close() {
    this.flush(true);
    if (this.markerStale) this.transact((outputs) => this.writeDropMarker(outputs));
    this.markerStale = false;
    this.closed = true;
  }
}

function appendCoalesced(outputs: Y.Array<Y.Map<unknown>>, name: string, text: string) {
  const last = outputs.length ? outputs.get(outputs.length - 1) : undefined;
  if (last && last.get("output_type") === "stream" && last.get("name") === name) {
    const ytext = last.get("text");
    if (ytext instanceof Y.Text) {
      ytext.insert(ytext.length, text);
      return;
    }
    last.set("text", new Y.Text(String(ytext ?? "") + text));
    return;
  }
  outputs.push([outputToY({ output_type: "stream", name, text })]);
}

/** update_display_data: every output shown with that display id, in any cell, gets the new data. */
export function updateDisplay(doc: Y.Doc, displays: DisplayIndex, displayId: string, data: unknown, metadata: unknown) {
  const set = displays.get(displayId);
  if (!set) return;
  doc.transact(() => {
    for (const y of set) {
      if (!y.doc || y._item?.deleted) {
        set.delete(y);
        continue;
      }
      y.set("data", data);
      y.set("metadata", metadata ?? {});
    }
  }, SERVER_ORIGIN);
}
