/** The live log of one build: kept in memory while it runs, so followers get all of it and then what comes. */
export class BuildLog {
  private text = "";
  private done = false;
  private readonly started = performance.now();
  private readonly listeners = new Set<(chunk: string | null) => void>();

  append(line: string) {
    if (this.done) return;
    // Elapsed time on every line: the log shows where a slow build spends it.
    const chunk = `[${((performance.now() - this.started) / 1000).toFixed(2).padStart(6)}s] ${line}\n`;
    this.text += chunk;
    for (const l of this.listeners) l(chunk);
  }

  close() {
    this.done = true;
    for (const l of this.listeners) l(null);
    this.listeners.clear();
  }

  get content(): string {
    return this.text;
  }

  get finished(): boolean {
    return this.done;
  }

  /** Everything so far, then each new chunk; ends when the build does. */
  async *follow(): AsyncGenerator<string> {
    const queue: (string | null)[] = [this.text];
    let wake: (() => void) | null = null;
    const listener = (chunk: string | null) => {
      queue.push(chunk);
      wake?.();
    };
    if (this.done) queue.push(null);
    else this.listeners.add(listener);
    try {
      for (;;) {
        while (queue.length) {
          const chunk = queue.shift()!;
          if (chunk === null) return;
          if (chunk) yield chunk;
        }
        await new Promise<void>((r) => (wake = r));
        wake = null;
      }
    } finally {
      this.listeners.delete(listener);
    }
  }
}
