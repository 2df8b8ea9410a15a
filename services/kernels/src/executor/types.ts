import type * as Y from "yjs";

/** The live document of a notebook (collab's room), held until released. */
export type OpenDoc = (notebookId: string) => Promise<{ readonly doc: Y.Doc; release(): void }>;

/** Which cells to run: ids, everything, or relative to one cell. */
export type CellSelection = string[] | "all" | "above" | "below";

export interface ExecuteRequest {
  cells: CellSelection;
  /** The cell that "above"/"below" are relative to ("above" excludes it, "below" includes it). */
  cellId?: string;
  /** The Yjs client id of the browser that asked: input() prompts are addressed to it. */
  clientId?: number;
  /** Whether the asker can answer input(); when false, input() raises in the kernel as in Jupyter. */
  allowStdin?: boolean;
  kernelspec?: string;
}

/** One finished cell run, for whoever records executions (tracking, audit). */
export interface ExecutionRecord {
  notebookId: string;
  cellId: string;
  kernelId: string;
  kernelspec: string;
  userId: string;
  executionCount: number | null;
  status: "ok" | "error" | "aborted";
  startedAt: Date;
  finishedAt: Date;
  /** The launch hooks' records for the kernel process (environment identity, GPUs). */
  launch: Record<string, unknown>;
}

export type ExecutionListener = (record: ExecutionRecord) => void | Promise<void>;

/**
 * How one queued cell ended: it ran (`ok`), raised (`error`, with the exception's name and value,
 * empty when the kernel gave none), or never finished running (`cancelled`: an earlier cell failed,
 * an interrupt or restart emptied the queue, the kernel went away).
 */
export type CellOutcome =
  | { status: "ok"; executionCount: number | null }
  | { status: "error"; ename: string; evalue: string; executionCount: number | null }
  | { status: "cancelled"; reason: string };

/** A cell put in the queue, and the promise of how it ends (it never rejects). */
export interface QueuedCell {
  cellId: string;
  outcome: Promise<CellOutcome>;
}
