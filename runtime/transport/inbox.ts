/**
 * A bounded FIFO of received control messages that callers take from by predicate, with a deadline.
 *
 * Invariants: at most `capacity` items wait (push() refuses more, and the caller reports the drop);
 * an item goes to the oldest waiting taker whose predicate accepts it, else it waits in arrival order;
 * a take never outlives its deadline.
 */
import { DynpipeError } from '../errors.js';

interface Taker<T> {
  accepts: (item: T) => boolean;
  resolve: (item: T) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class Inbox<T> {
  private readonly items: T[] = [];
  private readonly takers = new Set<Taker<T>>();
  private failure: Error | undefined;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new DynpipeError('E_USAGE', `inbox capacity must be an integer >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  /** Delivers `item` to a waiting taker or queues it; false if the queue is full (item dropped). */
  push(item: T): boolean {
    for (const t of this.takers) {
      if (t.accepts(item)) {
        this.takers.delete(t);
        clearTimeout(t.timer);
        t.resolve(item);
        return true;
      }
    }
    if (this.items.length >= this.capacity) return false;
    this.items.push(item);
    return true;
  }

  /** The oldest item `accepts` admits, now or when it arrives; rejects with `onTimeout()` after `timeoutMs`. */
  take<U extends T>(accepts: (item: T) => item is U, timeoutMs: number, onTimeout: (waitedMs: number) => Error): Promise<U> {
    if (this.failure) return Promise.reject(this.failure);
    const i = this.items.findIndex(accepts);
    if (i >= 0) return Promise.resolve(this.items.splice(i, 1)[0] as U);
    const started = Date.now();
    return new Promise<U>((resolve, reject) => {
      const taker: Taker<T> = {
        accepts,
        resolve: (item) => resolve(item as U),
        reject,
        timer: setTimeout(() => {
          this.takers.delete(taker);
          reject(onTimeout(Date.now() - started));
        }, timeoutMs),
      };
      this.takers.add(taker);
    });
  }

  /** Rejects every waiting and future take with `err` (on close). */
  fail(err: Error): void {
    this.failure = err;
    for (const t of this.takers) {
      clearTimeout(t.timer);
      t.reject(err);
    }
    this.takers.clear();
    this.items.length = 0;
  }
}
