/** Runs async tasks one at a time, in order: a zeromq socket allows one pending send (EBUSY otherwise). */
export class SendQueue {
  private tail: Promise<unknown> = Promise.resolve();

  push(task: () => Promise<unknown>): Promise<void> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => {});
    return run.then(() => {});
  }
}
