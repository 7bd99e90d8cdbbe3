/**
 * Where received messages meet the recv() calls that want them, matched by key (kind, mb, fromRank,
 * tag). No sockets, no clock: the data plane drives it.
 *
 * Invariants:
 *  - at most `capacity` messages wait unclaimed; the reader stops reading while `isFull` (this is the
 *    backpressure choice: nothing is dropped, the peers' sends block on their high-water mark);
 *  - a key is held by at most one message, buffered or recently delivered: a second copy while the first
 *    is buffered, or within the last `dedupWindow` deliveries, is a duplicate and is refused;
 *  - at most one waiter per key.
 */
import { DynpipeError } from '../errors.js';
import type { MessageKind } from './codec.js';

export interface MatchKey {
  kind: MessageKind;
  mb: number;
  fromRank: number;
  tag: number;
}

export function matchKeyString(k: MatchKey): string {
  return `${k.kind}/${k.mb}/${k.fromRank}/${k.tag}`;
}

/** 'handed': a waiter took it; 'buffered': kept for a later take; 'duplicate': refused. */
export type OfferResult = 'handed' | 'buffered' | 'duplicate';

export class Mailbox<T> {
  private readonly buffered = new Map<string, T>();
  private readonly waiters = new Map<string, (item: T) => void>();
  /** Recently delivered keys; `recent` is a ring of the same keys, so the oldest leaves in O(1). */
  private readonly delivered = new Set<string>();
  private readonly recent: string[] = [];
  private next = 0;
  private spaceWaiters: Array<() => void> = [];

  constructor(
    readonly capacity: number,
    readonly dedupWindow: number,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new DynpipeError('E_USAGE', `mailbox capacity must be an integer >= 1, got ${capacity}`);
    if (!Number.isSafeInteger(dedupWindow) || dedupWindow < 0) throw new DynpipeError('E_USAGE', `dedup window must be an integer >= 0, got ${dedupWindow}`);
  }

  get size(): number {
    return this.buffered.size;
  }

  get isFull(): boolean {
    return this.buffered.size >= this.capacity;
  }

  /** Hands `item` to the waiter for `key`, or buffers it, or refuses it as a duplicate. */
  offer(key: string, item: T): OfferResult {
    if (this.buffered.has(key) || this.delivered.has(key)) return 'duplicate';
    const waiter = this.waiters.get(key);
    if (waiter) {
      this.waiters.delete(key);
      this.markDelivered(key);
      waiter(item);
      return 'handed';
    }
    this.buffered.set(key, item);
    return 'buffered';
  }

  /** Removes and returns the buffered message for `key`, if any. */
  take(key: string): T | undefined {
    const item = this.buffered.get(key);
    if (item === undefined) return undefined;
    this.buffered.delete(key);
    this.markDelivered(key);
    this.notifySpace();
    return item;
  }

  /** Registers the one waiter for `key`; returns a function that withdraws it (idempotent). */
  wait(key: string, resolve: (item: T) => void): () => void {
    if (this.waiters.has(key)) throw new DynpipeError('E_MESSAGE', `a recv for ${key} is already waiting`);
    this.waiters.set(key, resolve);
    return () => {
      if (this.waiters.get(key) === resolve) this.waiters.delete(key);
    };
  }

  /** Resolves once fewer than `capacity` messages are buffered. */
  whenNotFull(): Promise<void> {
    if (!this.isFull) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** Removes and returns every buffered message for which `pred` holds. */
  drop(pred: (item: T) => boolean): T[] {
    const out: T[] = [];
    for (const [key, item] of this.buffered) {
      if (pred(item)) {
        this.buffered.delete(key);
        out.push(item);
      }
    }
    if (out.length > 0) this.notifySpace();
    return out;
  }

  /** Forgets delivered keys, so that they may be used again (after a plan change). */
  forgetDelivered(): void {
    this.delivered.clear();
    this.recent.length = 0;
    this.next = 0;
  }

  private markDelivered(key: string): void {
    if (this.dedupWindow === 0) return;
    if (this.recent.length === this.dedupWindow) this.delivered.delete(this.recent[this.next]);
    this.recent[this.next] = key;
    this.next = (this.next + 1) % this.dedupWindow;
    this.delivered.add(key);
  }

  private notifySpace(): void {
    if (this.isFull) return;
    const waiting = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiting) w();
  }
}
