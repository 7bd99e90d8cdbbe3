/**
 * Executes one stage's instruction stream (from runtime/schedule) against the stage's tensor state,
 * the dataset and the data plane. Dispatch is one `Handlers` table: a new instruction kind does not
 * compile until it has a handler here.
 *
 * Replicated stages: a microbatch of B rows is split among a stage's replicas (contiguous shares,
 * data/batches.ts: replicaShare); between two stages every row moves exactly once, from the replica
 * that computed it to the replica that owns it next (microbatches.ts: boundaryPieces). The last
 * stage's loss is a mean over its rows, so its gradients are scaled by rows/B and the replicas'
 * gradients are summed: the update equals one rank's update with the whole microbatch.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs';
import { describeInstruction as describe, dispatch, type Handlers, type Instruction, type InstructionOf, type Slot } from '../schedule/instructions.js';
import type { DataPlane } from '../transport/data-plane.js';
import type { Message } from '../transport/codec.js';
import { ringAllReduce } from '../transport/allreduce.js';
import type { Dataset } from '../data/dataset.js';
import { DynpipeError } from '../errors.js';
import { MicrobatchSampler, boundaryPieces, replicaRows, type RowRange } from './microbatches.js';
import type { StageState } from './stage-state.js';

export interface StageTopology {
  stage: number;
  stages: number;
  /** Ranks of the previous, this and the next stage (ascending; [] where there is none). */
  prevRanks: readonly number[];
  ranks: readonly number[];
  nextRanks: readonly number[];
  rank: number;
  microbatchSize: number;
}

export interface MicrobatchTiming {
  mb: number;
  forwardMs: number;
  backwardMs: number;
  recvWaitMs: number;
  sendWaitMs: number;
  optimizerMs: number;
  loss?: number;
  /** Rows of the microbatch this rank computed. */
  rows: number;
}

export interface ExecutorOptions {
  topology: StageTopology;
  state: StageState;
  plane: DataPlane;
  /** Stage 0 reads inputs from it, the last stage labels. */
  dataset: Dataset;
  sampler: MicrobatchSampler;
  recvTimeoutMs: number;
  /** Called once per microbatch after its backward (and the step that followed it, if any). */
  onMicrobatch(t: MicrobatchTiming): void;
  /** TEST/BENCH HOOK (bench-slowdown.ts): the compute slowdown factor to emulate for microbatch `mb` now. */
  slowdown?: (mb: number) => number;
}

type Async = Promise<void> | void;

export class StageExecutor {
  private readonly inputs = new Map<number, tf.Tensor>();
  private readonly labels = new Map<number, tf.Tensor>();
  private readonly outputs = new Map<number, Float32Array>();
  private readonly dys = new Map<number, tf.Tensor>();
  private readonly dxs = new Map<number, Float32Array>();
  private readonly timings = new Map<number, MicrobatchTiming>();
  private lastBackward: MicrobatchTiming | undefined;
  private readonly handlers: Handlers<Async>;
  readonly myRows: RowRange;

  constructor(private readonly o: ExecutorOptions) {
    const t = o.topology;
    this.myRows = replicaRows(t.microbatchSize, t.ranks.indexOf(t.rank), t.ranks.length);
    this.handlers = {
      'load-input': (i) => this.loadInput(i),
      'load-labels': (i) => this.loadLabels(i),
      'recv-act': (i) => this.recvAct(i),
      forward: (i) => this.forward(i),
      'send-act': (i) => this.sendAct(i),
      'recv-grad': (i) => this.recvGrad(i),
      backward: (i) => this.backward(i),
      'send-grad': (i) => this.sendGrad(i),
      'allreduce-grads': (i) => this.allreduce(i),
      step: (i) => this.step(i),
    };
  }

  /** Runs every slot of a stream in order; returns when the window is drained. */
  async run(stream: Iterable<Slot> | AsyncIterable<Slot>): Promise<void> {
    const trace = process.env.DYNPIPE_TRACE === '1';
    const exec = async (slot: Slot) => {
      for (const i of slot) {
        if (trace) process.stderr.write(`trace rank ${this.o.topology.rank}: ${describe(i)}\n`);
        await dispatch(this.handlers, i);
      }
    };
    if (Symbol.asyncIterator in stream) for await (const slot of stream) await exec(slot);
    else for (const slot of stream) await exec(slot);
    this.flushTiming();
  }

  async execute(i: Instruction): Promise<void> {
    await dispatch(this.handlers, i);
  }

  /** Frees buffered tensors (abort). */
  dispose(): void {
    this.dxs.clear();
    for (const m of [this.inputs, this.labels, this.dys]) {
      for (const t of m.values()) t.dispose();
      m.clear();
    }
    this.outputs.clear();
  }

  private timing(mb: number): MicrobatchTiming {
    let t = this.timings.get(mb);
    if (!t) {
      t = { mb, forwardMs: 0, backwardMs: 0, recvWaitMs: 0, sendWaitMs: 0, optimizerMs: 0, rows: this.myRows.end - this.myRows.start };
      this.timings.set(mb, t);
    }
    return t;
  }

  private myIndices(mb: number): Uint32Array {
    return this.o.sampler.indices(mb).subarray(this.myRows.start, this.myRows.end);
  }

  private loadInput(i: InstructionOf<'load-input'>): void {
    const ds = this.o.dataset;
    const idx = this.myIndices(i.mb);
    const { x } = ds.gather(idx);
    this.inputs.set(i.mb, tf.tensor(x, [idx.length, ...ds.inputShape], ds.inputDtype));
  }

  private loadLabels(i: InstructionOf<'load-labels'>): void {
    const ds = this.o.dataset;
    const idx = this.myIndices(i.mb);
    const { y } = ds.gather(idx);
    this.labels.set(i.mb, tf.tensor(y, [idx.length, ...ds.labelShape], 'int32'));
  }

  /** Receives the rows of `mb` this replica owns from `fromRanks`, concatenated in row order. */
  private async receiveRows(kind: 'act' | 'grad', mb: number, pieces: Array<{ peer: number; rows: RowRange }>, shape: readonly number[], dtype: 'float32' | 'int32'): Promise<tf.Tensor> {
    const t0 = performance.now();
    const msgs: Message[] = [];
    for (const p of pieces) msgs.push(await this.o.plane.recv({ kind, mb, fromRank: p.peer }, this.o.recvTimeoutMs));
    this.timing(mb).recvWaitMs += performance.now() - t0;
    const rows = this.myRows.end - this.myRows.start;
    const rowElems = shape.reduce((a, b) => a * b, 1);
    for (const [k, m] of msgs.entries()) {
      const want = (pieces[k].rows.end - pieces[k].rows.start) * rowElems;
      if (m.tensor.data.length !== want || m.tensor.dtype !== dtype) {
        throw new DynpipeError('E_MESSAGE', `rank ${this.o.topology.rank}: ${kind} of mb ${mb} from rank ${pieces[k].peer} has ${m.tensor.data.length} ${m.tensor.dtype} values, expected ${want} ${dtype}`);
      }
    }
    const data = msgs.length === 1 ? msgs[0].tensor.data : concatRows(msgs.map((m) => m.tensor.data), dtype);
    return tf.tensor(data, [rows, ...shape], dtype);
  }

  /** Sends this replica's rows of `mb` to their owners; returns the ms spent waiting to send. */
  private async sendRows(kind: 'act' | 'grad', mb: number, data: Float32Array, pieces: Array<{ peer: number; rows: RowRange }>, shape: readonly number[]): Promise<number> {
    const rowElems = shape.reduce((a, b) => a * b, 1);
    const t0 = performance.now();
    for (const p of pieces) {
      const a = (p.rows.start - this.myRows.start) * rowElems;
      const b = (p.rows.end - this.myRows.start) * rowElems;
      const part = pieces.length === 1 ? data : data.slice(a, b);
      const rows = p.rows.end - p.rows.start;
      await this.o.plane.send(p.peer, { kind, mb }, { dtype: 'float32', shape: [rows, ...shape], data: part });
    }
    return performance.now() - t0;
  }

  /** Pieces of the boundary into this stage: which previous-stage rank sends which of my rows. */
  private inPieces(): Array<{ peer: number; rows: RowRange }> {
    const t = this.o.topology;
    const me = t.ranks.indexOf(t.rank);
    return boundaryPieces(t.microbatchSize, t.prevRanks.length, t.ranks.length)
      .filter((p) => p.to === me)
      .map((p) => ({ peer: t.prevRanks[p.from], rows: p.rows }));
  }

  /** Pieces of the boundary out of this stage: which next-stage rank gets which of my rows. */
  private outPieces(): Array<{ peer: number; rows: RowRange }> {
    const t = this.o.topology;
    const me = t.ranks.indexOf(t.rank);
    return boundaryPieces(t.microbatchSize, t.ranks.length, t.nextRanks.length)
      .filter((p) => p.from === me)
      .map((p) => ({ peer: t.nextRanks[p.to], rows: p.rows }));
  }

  private async recvAct(i: InstructionOf<'recv-act'>): Promise<void> {
    const m = this.o.state.module;
    this.inputs.set(i.mb, await this.receiveRows('act', i.mb, this.inPieces(), m.inputShape, m.inputDtype));
  }

  private async forward(i: InstructionOf<'forward'>): Promise<void> {
    const x = take(this.inputs, i.mb, 'input');
    const t = this.timing(i.mb);
    const t0 = performance.now();
    if (this.o.state.isLast) {
      const labels = take(this.labels, i.mb, 'labels');
      t.loss = await this.o.state.forwardLoss(i.mb, i.version, x, labels);
      labels.dispose();
    } else {
      const y = this.o.state.forward(i.mb, i.version, x);
      this.outputs.set(i.mb, (await y.data()) as Float32Array);
      y.dispose();
    }
    x.dispose();
    if (this.o.slowdown) await this.emulateSlowdown(i.mb, t0);
    t.forwardMs += performance.now() - t0;
  }

  /** The bench hook: stretches a compute of `mb` that started at t0 to `slowdown(mb)` times its length. */
  private async emulateSlowdown(mb: number, t0: number): Promise<void> {
    const factor = this.o.slowdown?.(mb) ?? 1;
    if (factor > 1) await sleep((factor - 1) * (performance.now() - t0));
  }

  private async sendAct(i: InstructionOf<'send-act'>): Promise<void> {
    const data = this.outputs.get(i.mb);
    if (!data) throw new DynpipeError('E_MESSAGE', `send-act of mb ${i.mb} before its forward`);
    this.outputs.delete(i.mb);
    this.timing(i.mb).sendWaitMs += await this.sendRows('act', i.mb, data, this.outPieces(), this.o.state.module.outputShape);
  }

  private async recvGrad(i: InstructionOf<'recv-grad'>): Promise<void> {
    this.dys.set(i.mb, await this.receiveRows('grad', i.mb, this.outPieces(), this.o.state.module.outputShape, 'float32'));
  }

  private async backward(i: InstructionOf<'backward'>): Promise<void> {
    const state = this.o.state;
    const dy = state.isLast ? null : take(this.dys, i.mb, 'output gradient');
    const t = this.timing(i.mb);
    const t0 = performance.now();
    const scale = state.isLast ? t.rows / this.o.topology.microbatchSize : 1;
    const dx = state.backward(i.mb, i.version, dy, scale);
    dy?.dispose();
    if (dx && this.o.topology.stage > 0) this.dxs.set(i.mb, (await dx.data()) as Float32Array);
    dx?.dispose();
    if (this.o.slowdown) await this.emulateSlowdown(i.mb, t0);
    t.backwardMs += performance.now() - t0;
    this.flushTiming();
    this.lastBackward = t;
    this.timings.delete(i.mb);
  }

  private async sendGrad(i: InstructionOf<'send-grad'>): Promise<void> {
    const data = take(this.dxs, i.mb, 'input gradient');
    const ms = await this.sendRows('grad', i.mb, data, this.inPieces(), this.o.state.module.inputShape);
    if (this.lastBackward?.mb === i.mb) this.lastBackward.sendWaitMs += ms;
  }

  private async allreduce(i: InstructionOf<'allreduce-grads'>): Promise<void> {
    const state = this.o.state;
    const grads = state.accumulated;
    if (!grads) throw new DynpipeError('E_MESSAGE', `allreduce of version ${i.version} with no gradients`);
    const keys = [...grads.keys()];
    const arrays = await Promise.all(keys.map(async (k) => (await grads.get(k)!.data()) as Float32Array));
    const t0 = performance.now();
    const reduced = await ringAllReduce(this.o.plane, arrays, { ranks: this.o.topology.ranks, step: i.version, op: 'sum', timeoutMs: this.o.recvTimeoutMs });
    state.setAccumulated(new Map(keys.map((k, j) => [k, tf.tensor(reduced[j], grads.get(k)!.shape, 'float32')])));
    if (this.lastBackward) this.lastBackward.recvWaitMs += performance.now() - t0;
  }

  private step(i: InstructionOf<'step'>): void {
    const t0 = performance.now();
    this.o.state.step(i.version);
    if (this.lastBackward) this.lastBackward.optimizerMs += performance.now() - t0;
  }

  /** Reports the previous microbatch once nothing more can be charged to it. */
  private flushTiming(): void {
    if (this.lastBackward) this.o.onMicrobatch(this.lastBackward);
    this.lastBackward = undefined;
  }
}

function take<T>(m: Map<number, T>, mb: number, what: string): T {
  const v = m.get(mb);
  if (v === undefined) throw new DynpipeError('E_MESSAGE', `no ${what} for mb ${mb}`);
  m.delete(mb);
  return v;
}

function concatRows(parts: Array<Float32Array | Int32Array>, dtype: 'float32' | 'int32'): Float32Array | Int32Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
