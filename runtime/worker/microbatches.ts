/**
 * Which samples microbatch `mb` holds, and which rows of it each replica of a stage owns. Pure and
 * identical on every rank, so stage 0 (inputs) and the last stage (labels) agree without talking.
 *
 * Microbatch mb is batch (mb mod B) of epoch floor(mb / B), B = batches per epoch (dropLast), in
 * the order `batchIndices` defines: exactly the minibatches `dynpipe train` visits.
 */
import { batchesPerEpoch, batchIndices, replicaShare } from '../data/batches.js';

export interface RowRange {
  start: number;
  end: number;
}

export class MicrobatchSampler {
  readonly perEpoch: number;
  private cached: { epoch: number; order: Uint32Array } | undefined;

  constructor(
    readonly datasetSize: number,
    readonly microbatchSize: number,
    readonly seed: number,
  ) {
    this.perEpoch = batchesPerEpoch({ size: datasetSize, batchSize: microbatchSize, dropLast: true });
  }

  position(mb: number): { epoch: number; iteration: number } {
    return { epoch: Math.floor(mb / this.perEpoch), iteration: mb % this.perEpoch };
  }

  /** Dataset indices of microbatch `mb` (the epoch's order is computed once per epoch). */
  indices(mb: number): Uint32Array {
    const { epoch, iteration } = this.position(mb);
    if (this.cached?.epoch !== epoch) {
      // batchIndices over the whole epoch = the epoch's order; slicing it equals batchIndices(mb).
      const order = batchIndices({ size: this.datasetSize, batchSize: this.datasetSize, seed: this.seed, dropLast: true, epoch, iteration: 0 });
      this.cached = { epoch, order };
    }
    const start = iteration * this.microbatchSize;
    return this.cached.order.slice(start, start + this.microbatchSize);
  }
}

/** Rows [start, end) of a microbatch of `n` rows that replica `i` of `replicas` owns. */
export function replicaRows(n: number, i: number, replicas: number): RowRange {
  return replicaShare(n, i, replicas);
}

/**
 * The pieces a replicated boundary moves: sender replica i (of `senders`) gives receiver replica j
 * (of `receivers`) the rows both own. Every row of the microbatch moves exactly once.
 */
export function boundaryPieces(n: number, senders: number, receivers: number): Array<{ from: number; to: number; rows: RowRange }> {
  const out: Array<{ from: number; to: number; rows: RowRange }> = [];
  for (let i = 0; i < senders; i++) {
    const a = replicaRows(n, i, senders);
    for (let j = 0; j < receivers; j++) {
      const b = replicaRows(n, j, receivers);
      const start = Math.max(a.start, b.start);
      const end = Math.min(a.end, b.end);
      if (start < end) out.push({ from: i, to: j, rows: { start, end } });
    }
  }
  return out;
}
