/**
 * A schedule window that can be cut short at a microbatch boundary M agreed by all ranks, so that
 * every stage ends drained at M and the job continues from M under another plan.
 *
 * Agreeing on M (the coordinator drives it; see coordinator/cutover.ts):
 *   1. `repartition {minCut, slack}`: each rank answers with f, the first microbatch it has not
 *      forwarded, and from then on holds before forwarding any microbatch >= H = max(f + slack,
 *      minCut) until the decision arrives (training goes on meanwhile);
 *   2. `cut {cutAt: M}` with M = max over ranks of H: no rank can have forwarded M or beyond, so
 *      every rank can cut there. (`cutAt: null` cancels and lifts the hold.)
 *
 * Cutting: schedules are pure generators (runtime/schedule), so the window [first, M) has the
 * same instructions as [first, end) up to the first forward of a microbatch >= M. On a cut the
 * window regenerates its stream for [first, M), replays the prefix it already executed against
 * both streams and fails loudly (E_MIGRATION) if they differ or a forward of a microbatch >= M
 * already ran; then it runs the new stream to its drained end.
 */
import { DynpipeError } from '../errors.js';
import type { Slot } from '../schedule/instructions.js';
import { createSchedule, type ScheduleKind, type ScheduleOptions } from '../schedule/schedule.js';

/** A decision from the coordinator: cut at `cutAt`, or (null) keep going. */
export interface CutDecision {
  readonly planVersion: number;
  readonly cutAt: number | null;
}

/**
 * The rank's side of the agreement, fed by its control listener and read by the window at every
 * slot boundary. One change at a time: a hold, then its decision.
 */
export class CutGate {
  private holdAt: number | undefined;
  private decision: CutDecision | undefined;
  private wake: (() => void) | undefined;

  /** Starts holding at `holdAt` (forwards of microbatches >= holdAt wait for the decision). */
  hold(holdAt: number): void {
    this.holdAt = holdAt;
  }

  /** Delivers the decision; lifts the hold. */
  decide(d: CutDecision): void {
    this.decision = d;
    this.holdAt = undefined;
    this.wake?.();
  }

  /** Whether a forward of microbatch `mb` must wait for a decision. */
  mustWait(mb: number): boolean {
    return this.holdAt !== undefined && mb >= this.holdAt && this.decision === undefined;
  }

  /** Takes the pending decision, if any (each decision is taken once). */
  take(): CutDecision | undefined {
    const d = this.decision;
    this.decision = undefined;
    return d;
  }

  /** Resolves when a decision is pending; E_PEER_TIMEOUT after `timeoutMs`. */
  waitDecision(timeoutMs: number, who: string): Promise<void> {
    if (this.decision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        reject(new DynpipeError('E_PEER_TIMEOUT', `${who}: holding at microbatch ${this.holdAt} for a cut decision, none came within ${timeoutMs} ms`));
      }, timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

export interface CutWindowOptions {
  kind: ScheduleKind;
  /** The window as scheduled: [first, first + microbatches). */
  schedule: ScheduleOptions & { first: number };
  gate: CutGate;
  /** Deadline of a hold. */
  holdTimeoutMs: number;
  /** For error messages, e.g. `rank 2`. */
  who: string;
}

function forwardOf(slot: Slot): number | undefined {
  for (const i of slot) if (i.kind === 'forward') return i.mb;
  return undefined;
}

export class CutWindow implements AsyncIterable<Slot> {
  private executed = 0;
  private forwardedUpTo: number;
  /** The cut applied to this window, if any. */
  cut: CutDecision | undefined;
  /** Decisions taken while running that did not cut (cancellations). */
  cancelled: CutDecision[] = [];
  /**
   * A cut at or past this window's end (the window ends before the job does: a periodic
   * checkpoint's boundary, worker/checkpoint-windows.ts). It is the next window's to apply.
   */
  deferred: CutDecision | undefined;

  constructor(private readonly o: CutWindowOptions) {
    this.forwardedUpTo = o.schedule.first;
  }

  get first(): number {
    return this.o.schedule.first;
  }

  get end(): number {
    return this.o.schedule.first + this.o.schedule.microbatches;
  }

  /** The first microbatch this window has not forwarded yet. */
  get nextForward(): number {
    return this.forwardedUpTo;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Slot, void, undefined> {
    let stream: Iterator<Slot> = createSchedule(this.o.kind, this.o.schedule);
    for (;;) {
      stream = this.applyDecision(stream);
      let r = stream.next();
      if (r.done) return;
      const mb = forwardOf(r.value);
      if (mb !== undefined && this.o.gate.mustWait(mb)) {
        await this.o.gate.waitDecision(this.o.holdTimeoutMs, this.o.who);
        const recut = this.applyDecision(stream);
        if (recut !== stream) {
          // The slot taken from the old stream never ran; the new stream replays to this point.
          stream = recut;
          r = stream.next();
          if (r.done) return;
        }
      }
      const slot = r.value;
      const f = forwardOf(slot);
      if (f !== undefined) this.forwardedUpTo = Math.max(this.forwardedUpTo, f + 1);
      this.executed++;
      yield slot;
    }
  }

  private applyDecision(stream: Iterator<Slot>): Iterator<Slot> {
    const d = this.o.gate.take();
    if (!d) return stream;
    if (d.cutAt === null) {
      this.cancelled.push(d);
      return stream;
    }
    if (d.cutAt >= this.end) {
      this.deferred = d;
      return stream;
    }
    return this.recut(d);
  }

  /** The stream of [first, M) advanced past the executed prefix, after checking the prefix (module comment). */
  private recut(d: CutDecision): Iterator<Slot> {
    const m = d.cutAt!;
    const who = this.o.who;
    if (m < this.forwardedUpTo) {
      throw new DynpipeError('E_MIGRATION', `${who}: cannot cut at microbatch ${m} for plan version ${d.planVersion}: microbatch ${this.forwardedUpTo - 1} was already forwarded`);
    }
    this.cut = d;
    if (m <= this.first) {
      if (this.executed > 0) throw new DynpipeError('E_MIGRATION', `${who}: cannot cut at microbatch ${m}: the window from ${this.first} already ran ${this.executed} slots`);
      return [][Symbol.iterator]();
    }
    const old = createSchedule(this.o.kind, this.o.schedule);
    const next = createSchedule(this.o.kind, { ...this.o.schedule, microbatches: m - this.first });
    for (let k = 0; k < this.executed; k++) {
      const a = old.next();
      const b = next.next();
      if (a.done || b.done || JSON.stringify(a.value) !== JSON.stringify(b.value)) {
        throw new DynpipeError('E_MIGRATION', `${who}: cutting at microbatch ${m} changes slot ${k} of the window from ${this.first}, which already ran (${JSON.stringify(a.value)} vs ${JSON.stringify(b.value)})`);
      }
    }
    return next;
  }
}
