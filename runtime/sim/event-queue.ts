/**
 * The simulator's event queue: a binary min-heap of (time, rank) wake-ups in typed arrays, so a
 * push or pop allocates nothing once the arrays have grown to the largest queue seen.
 *
 * Order: earliest time first; equal times in push order (a sequence number breaks ties), so a run
 * is deterministic however the times happen to coincide.
 */

export class EventQueue {
  private times: Float64Array;
  private seqs: Float64Array;
  private ranks: Int32Array;
  private n = 0;
  private nextSeq = 0;

  constructor(capacity = 64) {
    const c = Math.max(1, capacity);
    this.times = new Float64Array(c);
    this.seqs = new Float64Array(c);
    this.ranks = new Int32Array(c);
  }

  get size(): number {
    return this.n;
  }

  /** Wakes `rank` at `timeMs`. */
  push(timeMs: number, rank: number): void {
    if (this.n === this.times.length) this.grow();
    let i = this.n++;
    const seq = this.nextSeq++;
    // sift up: move parents down until the slot fits
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(timeMs, seq, this.times[p], this.seqs[p])) break;
      this.move(p, i);
      i = p;
    }
    this.times[i] = timeMs;
    this.seqs[i] = seq;
    this.ranks[i] = rank;
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTime(): number {
    return this.n > 0 ? this.times[0] : Infinity;
  }

  /** Rank of the earliest event (call only when size > 0). */
  peekRank(): number {
    return this.ranks[0];
  }

  /** Removes the earliest event (call only when size > 0). */
  pop(): void {
    const last = --this.n;
    if (last === 0) return;
    const t = this.times[last];
    const s = this.seqs[last];
    const r = this.ranks[last];
    let i = 0;
    // sift down: move the smaller child up until the former last element fits
    for (;;) {
      const a = 2 * i + 1;
      if (a >= last) break;
      const b = a + 1;
      const c = b < last && this.before(this.times[b], this.seqs[b], this.times[a], this.seqs[a]) ? b : a;
      if (!this.before(this.times[c], this.seqs[c], t, s)) break;
      this.move(c, i);
      i = c;
    }
    this.times[i] = t;
    this.seqs[i] = s;
    this.ranks[i] = r;
  }

  private before(t1: number, s1: number, t2: number, s2: number): boolean {
    return t1 < t2 || (t1 === t2 && s1 < s2);
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from];
    this.seqs[to] = this.seqs[from];
    this.ranks[to] = this.ranks[from];
  }

  private grow(): void {
    const c = this.times.length * 2;
    const times = new Float64Array(c);
    const seqs = new Float64Array(c);
    const ranks = new Int32Array(c);
    times.set(this.times);
    seqs.set(this.seqs);
    ranks.set(this.ranks);
    this.times = times;
    this.seqs = seqs;
    this.ranks = ranks;
  }
}
