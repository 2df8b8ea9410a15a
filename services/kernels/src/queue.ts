/** Runs async jobs one at a time, in order: a zeromq socket allows one pending send (EBUSY otherwise). */
export class SendQueue {
  private tail: Promise<unknown> = Promise.resolve();

  push(job: () => Promise<unknown>): Promise<void> {
    const run = this.tail.then(job, job);
    this.tail = run.catch(() => {});
    return run.then(() => {});
  }
}
