/**
 * Runs asynchronous sends one at a time, in call order. ZeroMQ sockets accept one blocked send at a
 * time (a second rejects with EBUSY), and one peer's messages must leave in the order they were sent.
 */
export class SendChain {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `job` after every job queued before it has settled; its result or error is the caller's. */
  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
