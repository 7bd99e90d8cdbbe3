/**
 * What one segment of a simulation (one plan, one schedule window) measured, per rank and
 * microbatch, in typed arrays: the fields of a rank log's step row, charged the way the worker's
 * executor charges them (runtime/worker/executor.ts):
 *  - forward/backward: the compute of that microbatch (slowed);
 *  - recv wait: its recv-act and recv-grad waits, plus the allreduce-grads after its backward;
 *  - send wait: sends are asynchronous in the simulator, so always 0;
 *  - optimizer: the step after its backward;
 *  - done: when the slot of its backward ended (the step row's time_ms).
 * It also keeps per-rank sums since the last window, the policy's input (simulate.ts).
 */
import type { Topology } from './topology.js';

export class SegmentRecorder {
  readonly ranks: number;
  /** Microbatches the segment was scheduled for: local index j = mb - first. */
  readonly span: number;
  readonly forwardMs: Float64Array;
  readonly backwardMs: Float64Array;
  readonly recvWaitMs: Float64Array;
  readonly optimizerMs: Float64Array;
  readonly doneMs: Float64Array;
  /** order[r * span + k]: local index of the k-th microbatch rank r completed. */
  readonly order: Int32Array;
  /** Rows rank r completed so far. */
  readonly completed: Int32Array;
  /** Per-rank sums since the last `resetWindow`. */
  readonly windowCount: Int32Array;
  readonly windowComputeMs: Float64Array;
  readonly windowWaitMs: Float64Array;

  constructor(
    readonly topology: Topology,
    readonly first: number,
    span: number,
  ) {
    this.ranks = topology.ranks;
    this.span = span;
    const cells = this.ranks * span;
    this.forwardMs = new Float64Array(cells);
    this.backwardMs = new Float64Array(cells);
    this.recvWaitMs = new Float64Array(cells);
    this.optimizerMs = new Float64Array(cells);
    this.doneMs = new Float64Array(cells).fill(NaN);
    this.order = new Int32Array(cells);
    this.completed = new Int32Array(this.ranks);
    this.windowCount = new Int32Array(this.ranks);
    this.windowComputeMs = new Float64Array(this.ranks);
    this.windowWaitMs = new Float64Array(this.ranks);
  }

  /** Cell of rank r, microbatch mb. */
  cell(r: number, mb: number): number {
    return r * this.span + (mb - this.first);
  }

  /** Microbatch mb's row on rank r is complete at `timeMs`. */
  complete(r: number, mb: number, timeMs: number): void {
    const c = this.cell(r, mb);
    this.doneMs[c] = timeMs;
    this.order[r * this.span + this.completed[r]++] = mb - this.first;
    this.windowCount[r]++;
    this.windowComputeMs[r] += this.forwardMs[c] + this.backwardMs[c] + this.optimizerMs[c];
    this.windowWaitMs[r] += this.recvWaitMs[c];
  }

  resetWindow(): void {
    this.windowCount.fill(0);
    this.windowComputeMs.fill(0);
    this.windowWaitMs.fill(0);
  }
}
