import type { KernelOwner } from "../manager.ts";
import type { CellOutcome } from "./types.ts";

/** A cell waiting in a notebook's queue, and how to tell its caller how it ended. */
export class QueuedCell {
  private settle!: (outcome: CellOutcome) => void;
  readonly outcome = new Promise<CellOutcome>((resolve) => {
    this.settle = resolve;
  });

  constructor(
    readonly cellId: string,
    readonly user: KernelOwner["user"],
    readonly allowStdin: boolean,
    readonly clientId?: number,
  ) {}

  /** Settles the outcome (the first call wins). */
  done(outcome: CellOutcome) {
    this.settle(outcome);
  }
}
