/**
 * The discrete-event core: every rank of one plan runs its stage's compiled instruction stream
 * (program.ts) for one schedule window, with the timing rules of runtime/schedule/timing.ts:
 *
 *  - a rank runs its instructions one after another; compute (forward, backward, step) takes its
 *    cost stretched by the rank's slowdown (interference.ts), loads and sends take no time;
 *  - a send puts one message per boundary piece (topology.ts) on its channel (wires.ts: unbounded
 *    FIFOs, one message at a time on each wire, latency + bytes / bandwidth + any net delay);
 *  - a receive ends when every piece it needs has arrived; allreduce-grads ends when the last
 *    replica of the stage reaches it, plus the ring's time.
 *
 * Events: the queue holds at most one wake-up per rank (a rank is computing, waiting for a message
 * or a barrier, or done). Popping (t, r) means rank r's previous instruction ended at t, or a
 * message it waits for arrived; the rank then runs zero-time instructions in place and stops at
 * the next one that takes time or blocks. Events pop in time order, so `now` is a consistent cut
 * of the run: `advance` can stop at a decision window and `cut` can end the window early, exactly
 * where the runtime's coordinator would (runtime/migration/cut-window.ts).
 */
import { DynpipeError } from '../errors.js';
import { type Plan, inFlight } from '../plan/plan.js';
import type { ScheduleOptions } from '../schedule/schedule.js';
import type { NetworkModel, StageCostTable } from './costs.js';
import { EventQueue } from './event-queue.js';
import type { Slowdowns } from './interference.js';
import { OP, type StageProgram, compileStage, firstDifference } from './program.js';
import { SegmentRecorder } from './recorder.js';
import type { Topology } from './topology.js';
import { Wires } from './wires.js';

export interface SegmentOptions {
  readonly plan: Plan;
  readonly topology: Topology;
  readonly costs: StageCostTable;
  readonly network: NetworkModel;
  readonly slowdowns: Slowdowns;
  /** The window is microbatches [first, first + microbatches). */
  readonly first: number;
  readonly microbatches: number;
  /** Every rank starts here. */
  readonly startMs: number;
  /** `advance` returns 'window' each time the last stage completes this many more microbatches (0: never). */
  readonly windowMicrobatches: number;
}

const NAMES = Object.fromEntries(Object.entries(OP).map(([name, code]) => [code, name])) as Record<number, string>;

export class Segment {
  readonly recorder: SegmentRecorder;
  /** Events popped so far. */
  events = 0;
  /** Time of the last event popped. */
  now: number;
  private programs: StageProgram[];
  /** Microbatches the streams run now (the window's length, or less after a cut). */
  private scheduled: number;
  private readonly queue: EventQueue;
  private readonly t: Topology;
  // per rank
  private readonly pc: Int32Array;
  private readonly reachedAt: Float64Array;
  private readonly blocked: Uint8Array;
  private readonly pendingRow: Int32Array;
  private readonly lastBackward: Int32Array;
  private readonly forwardedUpTo: Int32Array;
  private readonly doneAt: Float64Array;
  private readonly forwardWork: Float64Array;
  private readonly backwardWork: Float64Array;
  private readonly stepWork: Float64Array;
  private remaining: number;
  private readonly wires: Wires;
  private readonly wake = (rank: number, atMs: number): void => this.queue.push(atMs, rank);
  // per stage
  private readonly arrived: Int32Array;
  private readonly arrivedLatest: Float64Array;
  // windows
  private readonly lastStage: number;
  private readonly windowRows: number;
  private lastStageRows = 0;
  private windowDue = false;

  constructor(private readonly o: SegmentOptions) {
    const t = (this.t = o.topology);
    const n = t.ranks;
    this.programs = this.compile(o.microbatches);
    this.scheduled = o.microbatches;
    this.recorder = new SegmentRecorder(t, o.first, o.microbatches);
    this.queue = new EventQueue(n);
    this.now = o.startMs;
    this.pc = new Int32Array(n);
    this.reachedAt = new Float64Array(n).fill(o.startMs);
    this.blocked = new Uint8Array(n);
    this.pendingRow = new Int32Array(n).fill(-1);
    this.lastBackward = new Int32Array(n).fill(-1);
    this.forwardedUpTo = new Int32Array(n).fill(o.first);
    this.doneAt = new Float64Array(n).fill(NaN);
    this.forwardWork = new Float64Array(n);
    this.backwardWork = new Float64Array(n);
    this.stepWork = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const s = t.stageOf[r];
      const share = t.rowsOf[r] / t.microbatchSize;
      this.forwardWork[r] = o.costs.forwardMs[s] * share;
      this.backwardWork[r] = o.costs.backwardMs[s] * share;
      this.stepWork[r] = o.costs.optimizerMs[s];
    }
    this.remaining = n;
    this.wires = new Wires(t, o.costs, o.network, o.slowdowns, o.microbatches);
    this.arrived = new Int32Array(t.stages);
    this.arrivedLatest = new Float64Array(t.stages).fill(-Infinity);
    this.lastStage = t.stages - 1;
    this.windowRows = o.windowMicrobatches * t.stageRanks[this.lastStage].length;
    for (let r = 0; r < n; r++) this.queue.push(o.startMs, r);
  }

  /** True once every rank has run its stream to the end. */
  get finished(): boolean {
    return this.remaining === 0;
  }

  /** When the last rank finished (NaN before). */
  get endMs(): number {
    return this.finished ? this.doneAt.reduce((a, b) => Math.max(a, b), -Infinity) : NaN;
  }

  /** When rank r finished its stream (NaN before). */
  rankDoneMs(r: number): number {
    return this.doneAt[r];
  }

  /** The window's end: first plus the microbatches it runs now (after any cut). */
  get end(): number {
    return this.o.first + this.scheduled;
  }

  /** The first microbatch no rank has started forwarding (a cut at or after it is always possible). */
  get nextUnforwarded(): number {
    return this.forwardedUpTo.reduce((a, b) => Math.max(a, b), this.o.first);
  }

  /**
   * Runs events in time order until the last stage completes a decision window ('window'; call
   * again to go on) or every rank has finished ('done'). Throws E_SCHEDULE naming the first waiting
   * ranks and their instructions if the streams deadlock.
   */
  advance(): 'window' | 'done' {
    const q = this.queue;
    while (q.size > 0) {
      const time = q.peekTime();
      const r = q.peekRank();
      q.pop();
      this.events++;
      this.now = time;
      this.resume(r, time);
      if (this.windowDue) {
        this.windowDue = false;
        return 'window';
      }
    }
    if (this.remaining > 0) throw this.deadlock();
    return 'done';
  }

  /**
   * Ends the window at microbatch `cutAt` (first < cutAt < end): every stage's stream becomes the
   * schedule of [first, cutAt), which must agree with what each rank already ran (E_MIGRATION
   * otherwise, as runtime/migration/cut-window.ts checks), and no rank may have forwarded cutAt.
   */
  cut(cutAt: number): void {
    const { first } = this.o;
    if (!(cutAt > first && cutAt < first + this.o.microbatches)) throw new DynpipeError('E_MIGRATION', `simulator: cut at microbatch ${cutAt} is outside the window [${first}, ${first + this.o.microbatches})`);
    if (cutAt < this.nextUnforwarded) throw new DynpipeError('E_MIGRATION', `simulator: cannot cut at microbatch ${cutAt}: microbatch ${this.nextUnforwarded - 1} was already forwarded`);
    const next = this.compile(cutAt - first);
    next.forEach((program, s) => {
      const ran = this.t.stageRanks[s].reduce((m, r) => Math.max(m, this.pc[r]), 0);
      const k = firstDifference(this.programs[s], program, ran);
      if (k >= 0) throw new DynpipeError('E_MIGRATION', `simulator: cutting at microbatch ${cutAt} changes instruction ${k} of stage ${s}, which already ran`);
    });
    this.programs = next;
    this.scheduled = cutAt - first;
    // A rank blocked right after its new, shorter stream (at the receive of a microbatch >= cutAt,
    // which will never be sent) is done: it finished when it reached that receive.
    for (let r = 0; r < this.t.ranks; r++) {
      if (this.blocked[r] === 0 || this.pc[r] < this.programs[this.t.stageOf[r]].length) continue;
      this.blocked[r] = 0;
      this.wires.forget(r);
      this.finishRank(r, this.reachedAt[r]);
    }
  }

  private compile(microbatches: number): StageProgram[] {
    const { plan, first } = this.o;
    const stages = this.o.topology.stages;
    const base: Omit<ScheduleOptions, 'stage' | 'replicated'> = {
      stages,
      microbatches,
      first,
      inFlight: inFlight(plan),
      microbatchesPerStep: plan.schedule === 'gpipe' ? plan.microbatches_per_step : undefined,
    };
    return Array.from({ length: stages }, (_, stage) => compileStage(plan.schedule, { ...base, stage, replicated: this.o.topology.stageRanks[stage].length > 1 }));
  }

  /** Rank r's previous instruction ended at `now`, or a message it waits for arrived. */
  private resume(r: number, now: number): void {
    if (this.blocked[r] === 1) this.blocked[r] = 0;
    else this.completed(r, now);
    const prog = this.programs[this.t.stageOf[r]];
    const rec = this.recorder;
    for (;;) {
      const k = this.pc[r];
      if (k === prog.length) {
        this.finishRank(r, now);
        return;
      }
      const mb = prog.mb[k];
      switch (prog.op[k]) {
        case OP['load-input']:
        case OP['load-labels']:
          break;
        case OP.forward: {
          if (mb + 1 > this.forwardedUpTo[r]) this.forwardedUpTo[r] = mb + 1;
          const end = this.o.slowdowns.finishMs(r, now, this.forwardWork[r]);
          rec.forwardMs[rec.cell(r, mb)] += end - now;
          this.pc[r] = k + 1;
          this.queue.push(end, r);
          return;
        }
        case OP.backward: {
          const end = this.o.slowdowns.finishMs(r, now, this.backwardWork[r]);
          rec.backwardMs[rec.cell(r, mb)] += end - now;
          this.lastBackward[r] = mb;
          this.pendingRow[r] = mb;
          this.pc[r] = k + 1;
          this.queue.push(end, r);
          return;
        }
        case OP['send-act']:
          this.wires.send(r, now, this.t.actOut, mb, this.wake);
          break;
        case OP['send-grad']:
          this.wires.send(r, now, this.t.gradOut, mb, this.wake);
          break;
        case OP['recv-act']:
        case OP['recv-grad']: {
          const end = this.wires.receive(r, now, prog.op[k] === OP['recv-act'] ? this.t.actIn : this.t.gradIn, mb);
          if (end < 0) {
            this.blocked[r] = 1;
            return;
          }
          rec.recvWaitMs[rec.cell(r, mb)] += end - this.reachedAt[r];
          if (end > now) {
            this.pc[r] = k + 1;
            this.queue.push(end, r);
            return;
          }
          break;
        }
        case OP['allreduce-grads']:
          this.arriveAtAllreduce(r, now);
          return;
        case OP.step: {
          const end = this.o.slowdowns.finishMs(r, now, this.stepWork[r]);
          if (this.lastBackward[r] >= 0) rec.optimizerMs[rec.cell(r, this.lastBackward[r])] += end - now;
          if (end > now) {
            this.pc[r] = k + 1;
            this.queue.push(end, r);
            return;
          }
          break;
        }
        default:
          throw new DynpipeError('E_SCHEDULE', `simulator: unknown op ${prog.op[k]} at instruction ${k} of stage ${prog.stage}`);
      }
      // a zero-time instruction: it ended now
      this.pc[r] = k + 1;
      this.completed(r, now);
    }
  }

  /** The instruction before rank r's pc ended at `now`: close its microbatch's row at a slot end. */
  private completed(r: number, now: number): void {
    this.reachedAt[r] = now;
    const k = this.pc[r] - 1;
    if (k < 0 || this.pendingRow[r] < 0) return;
    const prog = this.programs[this.t.stageOf[r]];
    if (prog.slotEnd[k] === 0) return;
    this.recorder.complete(r, this.pendingRow[r], now);
    this.pendingRow[r] = -1;
    if (this.t.stageOf[r] === this.lastStage && this.windowRows > 0 && ++this.lastStageRows % this.windowRows === 0) this.windowDue = true;
  }

  private arriveAtAllreduce(r: number, now: number): void {
    const s = this.t.stageOf[r];
    this.blocked[r] = 1;
    if (now > this.arrivedLatest[s]) this.arrivedLatest[s] = now;
    const replicas = this.t.stageRanks[s];
    if (++this.arrived[s] < replicas.length) return;
    const end = this.arrivedLatest[s] + this.o.costs.allreduceMs[s];
    this.arrived[s] = 0;
    this.arrivedLatest[s] = -Infinity;
    const rec = this.recorder;
    for (const q of replicas) {
      this.blocked[q] = 0;
      if (this.lastBackward[q] >= 0) rec.recvWaitMs[rec.cell(q, this.lastBackward[q])] += end - this.reachedAt[q];
      this.pc[q]++;
      this.queue.push(end, q);
    }
  }

  private finishRank(r: number, now: number): void {
    if (!Number.isNaN(this.doneAt[r])) return;
    this.doneAt[r] = now;
    this.remaining--;
  }

  private deadlock(): DynpipeError {
    const lines: string[] = [];
    for (let r = 0; r < this.t.ranks && lines.length < 4; r++) {
      if (!Number.isNaN(this.doneAt[r])) continue;
      const prog = this.programs[this.t.stageOf[r]];
      const k = this.pc[r];
      lines.push(`rank ${r} (stage ${prog.stage}) waits at ${NAMES[prog.op[k]]} mb ${prog.mb[k]}`);
    }
    return new DynpipeError('E_SCHEDULE', `simulator: deadlock with ${this.remaining} rank(s) unfinished: ${lines.join('; ')}`);
  }
}
