/**
 * Runs asynchronous sends one at a time, in call order. ZeroMQ sockets accept one blocked send at a
 * time (a second rejects with EBUSY), and one peer's messages must leave in the order they were sent.
 *
 * Deadline rule (runWithin): a job still waiting for its turn at the deadline is withdrawn, never to
 * run; a job that has started is left to its own deadline (ZeroMQ's send timeout). So a message is
 * never both reported as timed out and sent.
 */
export class SendChain {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** True when no job is queued or running. */
  get idle(): boolean {
    return this.pending === 0;
  }

  /** Runs `job` after every job queued before it has settled; its result or error is the caller's. */
  run<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(job).finally(() => this.pending--);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Like run(), but withdraws the job and rejects with `onTimeout()` if it has not started within `timeoutMs`. */
  async runWithin(job: () => Promise<void>, timeoutMs: number, onTimeout: () => Error): Promise<void> {
    let state: 'queued' | 'started' | 'withdrawn' = 'queued';
    // On an idle chain the job starts in a microtask, before any timer could fire: no timer needed.
    const mustWait = !this.idle;
    const turn = this.run(async () => {
      if (state === 'withdrawn') return;
      state = 'started';
      await job();
    });
    if (!mustWait) return turn;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (state !== 'queued') return;
        state = 'withdrawn';
        reject(onTimeout());
      }, timeoutMs);
    });
    try {
      await Promise.race([turn, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}
