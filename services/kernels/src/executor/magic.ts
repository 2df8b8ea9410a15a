/**
 * A hook that takes some cells before their code reaches the kernel (`%pip install` in a Tandem
 * environment: the server builds a new environment and the notebook's kernel moves to it).
 */
export interface CellMagic {
  /** Whether the cell's source is one the hook handles (cheap: called for every cell). */
  claims(code: string): boolean;
  run(ctx: MagicContext): Promise<MagicResult>;
}

export interface MagicContext {
  notebookId: string;
  code: string;
  /** The kernelspec of the notebook's kernel now. */
  kernelspec: { name: string; metadata: Record<string, unknown> };
  userId: string;
  /** Appends text to the cell's stdout. */
  write(text: string): void;
  /** Aborted when the notebook is interrupted while the hook runs (the hook stops its work). */
  signal: AbortSignal;
}

/**
 * `pass`: the kernel runs the cell as it is. `done`: the hook handled its part; the kernel (moved to
 * `switchTo` first, when set, then `message` printed) runs `rest`. `error`: the cell fails with it.
 */
export type MagicResult =
  | { kind: "pass" }
  | { kind: "done"; rest: string; switchTo?: string; message?: string }
  | { kind: "error"; ename: string; evalue: string };
