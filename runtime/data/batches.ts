/**
 * Which samples make up each minibatch, computed the same way on every rank. Rank 0 gathers the
 * inputs and the last stage gathers the labels of the same samples, in the same order, because
 * both call `batchIndices` (or run a `MinibatchIterator`) with the same arguments; nothing is sent.
 *
 * Order: epoch e visits `epochPermutation(size, seed, e)` (or 0..size-1 when `shuffle` is false)
 * in consecutive slices of `batchSize`. The last slice is shorter when size % batchSize != 0,
 * unless `dropLast`, which skips it (pipelines with a fixed microbatch size want dropLast).
 */
import { check, DynpipeError } from '../errors.js';
import { epochPermutation } from './shuffle.js';

export interface BatchOrder {
  /** Number of samples in the dataset. */
  size: number;
  batchSize: number;
  seed: number;
  dropLast: boolean;
  /** false: every epoch visits samples in index order (evaluation). Default true. */
  shuffle?: boolean;
}

/** Where an iterator stands: the next batch it returns is batch `iteration` of epoch `epoch`. */
export interface BatchPosition {
  epoch: number;
  iteration: number;
}

export interface Minibatch extends BatchPosition {
  /** Dataset indices of the batch's samples, in the order every rank uses. */
  indices: Uint32Array;
}

function checkOrder(o: BatchOrder): void {
  check(Number.isSafeInteger(o.size) && o.size > 0, 'E_USAGE', () => `dataset size must be a positive integer, got ${o.size}`);
  check(Number.isSafeInteger(o.batchSize) && o.batchSize > 0, 'E_USAGE', () => `batch size must be a positive integer, got ${o.batchSize}`);
  check(Number.isSafeInteger(o.seed) && o.seed >= 0, 'E_USAGE', () => `seed must be a non-negative integer, got ${o.seed}`);
  check(!o.dropLast || o.batchSize <= o.size, 'E_USAGE', () => `batch size ${o.batchSize} exceeds the dataset's ${o.size} samples, so dropLast leaves no batch`);
}

/** Batches per epoch: floor(size / batchSize) with dropLast, else ceil. */
export function batchesPerEpoch(o: Pick<BatchOrder, 'size' | 'batchSize' | 'dropLast'>): number {
  return o.dropLast ? Math.floor(o.size / o.batchSize) : Math.ceil(o.size / o.batchSize);
}

function checkPosition(o: BatchOrder, p: BatchPosition): void {
  const n = batchesPerEpoch(o);
  check(Number.isSafeInteger(p.epoch) && p.epoch >= 0, 'E_USAGE', () => `epoch must be a non-negative integer, got ${p.epoch}`);
  check(Number.isSafeInteger(p.iteration) && p.iteration >= 0 && p.iteration < n, 'E_USAGE', () => `iteration must be an integer in [0, ${n}) (batches per epoch), got ${p.iteration}`);
}

function epochOrder(o: BatchOrder, epoch: number): Uint32Array {
  if (o.shuffle ?? true) return epochPermutation(o.size, o.seed, epoch);
  const order = new Uint32Array(o.size);
  for (let i = 0; i < o.size; i++) order[i] = i;
  return order;
}

function slice(order: Uint32Array, batchSize: number, iteration: number): Uint32Array {
  const start = iteration * batchSize;
  return order.slice(start, Math.min(start + batchSize, order.length));
}

/**
 * The indices of batch `iteration` of epoch `epoch`: a pure function of its arguments.
 * Costs O(size) (it rebuilds the epoch's permutation); loops should use MinibatchIterator.
 */
export function batchIndices(o: BatchOrder & BatchPosition): Uint32Array {
  checkOrder(o);
  checkPosition(o, o);
  return slice(epochOrder(o, o.epoch), o.batchSize, o.iteration);
}

/**
 * An endless walk over minibatches, epoch after epoch, yielding exactly what `batchIndices`
 * yields for each position. `state()` is the position of the next batch; an iterator built with
 * `start: state()` continues with the very same batches.
 */
export class MinibatchIterator {
  readonly batchesPerEpoch: number;
  private readonly order: BatchOrder;
  private position: BatchPosition;
  private cached: { epoch: number; order: Uint32Array } | undefined;

  constructor(order: BatchOrder, start: BatchPosition = { epoch: 0, iteration: 0 }) {
    checkOrder(order);
    checkPosition(order, start);
    this.order = { ...order };
    this.batchesPerEpoch = batchesPerEpoch(order);
    this.position = { ...start };
  }

  state(): BatchPosition {
    return { ...this.position };
  }

  nextBatch(): Minibatch {
    const { epoch, iteration } = this.position;
    if (this.cached?.epoch !== epoch) this.cached = { epoch, order: epochOrder(this.order, epoch) };
    const indices = slice(this.cached.order, this.order.batchSize, iteration);
    this.position = iteration + 1 < this.batchesPerEpoch ? { epoch, iteration: iteration + 1 } : { epoch: epoch + 1, iteration: 0 };
    return { epoch, iteration, indices };
  }
}

/**
 * The [start, end) share of a batch of `n` samples that replica `replicaIndex` of a replicated
 * stage processes. Shares are contiguous, in replica order, and cover the batch exactly once.
 * Remainder: the first n % replicas replicas take one sample more, so shares differ by at most
 * one (a gradient all-reduce must weight replicas by share size). A replica may get an empty
 * share only when replicas > n, which a valid plan forbids.
 */
export function replicaShare(n: number, replicaIndex: number, replicas: number): { start: number; end: number } {
  check(Number.isSafeInteger(replicas) && replicas > 0, 'E_USAGE', () => `replicas must be a positive integer, got ${replicas}`);
  if (!Number.isSafeInteger(replicaIndex) || replicaIndex < 0 || replicaIndex >= replicas) {
    throw new DynpipeError('E_USAGE', `replica index must be an integer in [0, ${replicas}), got ${replicaIndex}`);
  }
  const base = Math.floor(n / replicas);
  const extra = n % replicas;
  const start = replicaIndex * base + Math.min(replicaIndex, extra);
  return { start, end: start + base + (replicaIndex < extra ? 1 : 0) };
}

/** The samples of `indices` that replica `replicaIndex` of `replicas` processes (see replicaShare). */
export function splitForReplica(indices: Uint32Array, replicaIndex: number, replicas: number): Uint32Array {
  const { start, end } = replicaShare(indices.length, replicaIndex, replicas);
  return indices.slice(start, end);
}
