/**
 * Who talks to whom under a plan, as the runtime wires it (runtime/worker/executor.ts): each rank's
 * stage and share of a microbatch's rows, and one message channel per piece of a replicated
 * boundary (runtime/worker/microbatches.ts: boundaryPieces), so every row crosses each cut once.
 *
 * Channel c carries `payload` from rank `from` to rank `to`; its activations and the matching
 * gradients carry `rows` of the `microbatchSize` rows. Per rank, the channels it sends on and
 * receives from are listed per payload in the order the executor visits them (CSR arrays:
 * entries [start[r], start[r + 1]) of `list`).
 */
import { boundaryPieces, replicaRows } from '../worker/microbatches.js';
import { type Plan, numStages, ranksOfStage, worldSize } from '../plan/plan.js';

export interface ChannelTable {
  readonly count: number;
  readonly from: Int32Array;
  readonly to: Int32Array;
  /** 0 = activations (stage s to s + 1), 1 = gradients (s + 1 to s). */
  readonly payload: Uint8Array;
  /** The boundary the channel crosses: the cut after stage `boundary`. */
  readonly boundary: Int32Array;
  /** Rows of the microbatch the message holds. */
  readonly rows: Int32Array;
}

/** A per-rank list of channel ids, CSR style. */
export interface RankLists {
  readonly start: Int32Array;
  readonly list: Int32Array;
}

export interface Topology {
  readonly ranks: number;
  readonly stages: number;
  readonly microbatchSize: number;
  readonly stageOf: Int32Array;
  /** Rows of each microbatch the rank computes (its replica share). */
  readonly rowsOf: Int32Array;
  /** Ranks of each stage, ascending. */
  readonly stageRanks: readonly (readonly number[])[];
  readonly channels: ChannelTable;
  readonly actOut: RankLists;
  readonly actIn: RankLists;
  readonly gradOut: RankLists;
  readonly gradIn: RankLists;
}

function csr(ranks: number, perRank: number[][]): RankLists {
  const start = new Int32Array(ranks + 1);
  for (let r = 0; r < ranks; r++) start[r + 1] = start[r] + perRank[r].length;
  return { start, list: Int32Array.from(perRank.flat()) };
}

/** The plan's wiring (the plan is already valid: every rank in exactly one stage). */
export function topologyOf(plan: Plan): Topology {
  const n = worldSize(plan);
  const s = numStages(plan);
  const b = plan.microbatch_size;
  const stageOf = new Int32Array(n);
  const rowsOf = new Int32Array(n);
  const stageRanks: number[][] = [];
  for (let k = 0; k < s; k++) {
    const ranks = ranksOfStage(plan, k);
    stageRanks.push([...ranks]);
    ranks.forEach((r, i) => {
      stageOf[r] = k;
      const share = replicaRows(b, i, ranks.length);
      rowsOf[r] = share.end - share.start;
    });
  }
  const from: number[] = [];
  const to: number[] = [];
  const payload: number[] = [];
  const boundary: number[] = [];
  const rows: number[] = [];
  const lists = { actOut: [] as number[][], actIn: [] as number[][], gradOut: [] as number[][], gradIn: [] as number[][] };
  for (const l of Object.values(lists)) for (let r = 0; r < n; r++) l.push([]);
  const add = (f: number, t: number, p: 0 | 1, cut: number, pieceRows: number): number => {
    from.push(f);
    to.push(t);
    payload.push(p);
    boundary.push(cut);
    rows.push(pieceRows);
    return from.length - 1;
  };
  for (let cut = 0; cut + 1 < s; cut++) {
    const senders = stageRanks[cut];
    const receivers = stageRanks[cut + 1];
    for (const piece of boundaryPieces(b, senders.length, receivers.length)) {
      const lo = senders[piece.from];
      const hi = receivers[piece.to];
      const pieceRows = piece.rows.end - piece.rows.start;
      const act = add(lo, hi, 0, cut, pieceRows);
      const grad = add(hi, lo, 1, cut, pieceRows);
      // boundaryPieces lists pieces by sender, then receiver: the executor's outPieces order for the
      // sender and inPieces order for the receiver (both filter this one list).
      lists.actOut[lo].push(act);
      lists.actIn[hi].push(act);
      lists.gradOut[hi].push(grad);
      lists.gradIn[lo].push(grad);
    }
  }
  return {
    ranks: n,
    stages: s,
    microbatchSize: b,
    stageOf,
    rowsOf,
    stageRanks,
    channels: {
      count: from.length,
      from: Int32Array.from(from),
      to: Int32Array.from(to),
      payload: Uint8Array.from(payload),
      boundary: Int32Array.from(boundary),
      rows: Int32Array.from(rows),
    },
    actOut: csr(n, lists.actOut),
    actIn: csr(n, lists.actIn),
    gradOut: csr(n, lists.gradOut),
    gradIn: csr(n, lists.gradIn),
  };
}
