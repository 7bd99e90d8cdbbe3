/**
 * The planner's inputs and the objective-independent cost quantities of a stage: a stage is a
 * block range [i, j) placed on the contiguous rank range [r, r + m) (m replicas that split each
 * microbatch). Everything here is O(1) per query from prefix sums built once, so the DP can ask
 * millions of times. Units are in the names: ms, bytes, bytes per second.
 *
 * Memory model (PipeDream's weight stashing, paper §3.3, with the in-flight count of plan.ts's
 * `defaultInFlight` generalised to any stage): a stage whose first rank is r keeps
 *   versions(r, m) = ceil((N - r) / m)
 * microbatches in flight — one per downstream rank, shared by its m replicas (for the input stage
 * this is NOAM = ceil(N / m0); on a straight pipeline it is S - s) — and each rank stores that many
 * versions of the stage's parameters and of its share of the stashed activations:
 *   memoryBytes = versions · (paramBytes + activationBytes / m).
 * (PipeDream's code uses the ranks *after* the stage, which gives the last stage 0 versions; we
 * count the stage itself, so every stage stores at least its current weights.)
 */
import { DynpipeError, check } from '../runtime/errors.js';

/** Per-block costs for one microbatch on one unslowed rank. */
export interface BlockCost {
  readonly forwardMs: number;
  readonly backwardMs: number;
  /** Output activation of the block (bytes crossing a cut right after it). */
  readonly activationBytes: number;
  readonly paramBytes: number;
}

export type Objective =
  /** PipeDream's: overlapped communication, no staleness cost. */
  | { readonly kind: 'pipedream' }
  /** DynPipe's: non-overlapped communication plus a staleness penalty of weight `stalenessWeight` (see dynpipe-objective.ts). */
  | { readonly kind: 'dynpipe'; readonly stalenessWeight: number };

export interface PlannerProblem {
  readonly blocks: readonly BlockCost[];
  /** Samples in one microbatch (turns a bottleneck into throughput; caps replicas per stage). */
  readonly batchSize: number;
  /** Number of ranks N; every rank is used. */
  readonly ranks: number;
  readonly bandwidthBytesPerS: number;
  /** Per-rank memory limit; undefined = unlimited. */
  readonly memoryPerRankBytes?: number;
  /** Compute slowdown factor of each rank (length N, > 0; 1 = unslowed); undefined = all 1. */
  readonly slowdown?: readonly number[];
  /** Most replicas a stage may have; undefined = N. Always capped by `batchSize`. */
  readonly maxReplicas?: number;
  readonly objective: Objective;
  /** Block names for messages only. */
  readonly blockNames?: readonly string[];
}

/** Checks a problem's numbers; throws E_USAGE naming the field. */
export function checkProblem(p: PlannerProblem): void {
  check(p.blocks.length > 0, 'E_USAGE', () => 'planner: the profile has no blocks');
  check(Number.isInteger(p.ranks) && p.ranks >= 1, 'E_USAGE', () => `planner: ranks must be an integer >= 1, got ${p.ranks}`);
  check(Number.isInteger(p.batchSize) && p.batchSize >= 1, 'E_USAGE', () => `planner: batchSize must be an integer >= 1, got ${p.batchSize}`);
  check(p.bandwidthBytesPerS > 0 && Number.isFinite(p.bandwidthBytesPerS), 'E_USAGE', () => `planner: bandwidth must be > 0, got ${p.bandwidthBytesPerS} bytes/s`);
  if (p.memoryPerRankBytes !== undefined) {
    check(p.memoryPerRankBytes > 0, 'E_USAGE', () => `planner: memory per rank must be > 0, got ${p.memoryPerRankBytes} bytes`);
  }
  if (p.maxReplicas !== undefined) {
    check(Number.isInteger(p.maxReplicas) && p.maxReplicas >= 1, 'E_USAGE', () => `planner: maxReplicas must be an integer >= 1, got ${p.maxReplicas}`);
  }
  if (p.slowdown !== undefined) {
    check(p.slowdown.length === p.ranks, 'E_USAGE', () => `planner: slowdown has ${p.slowdown!.length} entries for ${p.ranks} ranks`);
    p.slowdown.forEach((s, r) => check(s > 0 && Number.isFinite(s), 'E_USAGE', () => `planner: slowdown of rank ${r} must be a number > 0, got ${s}`));
  }
  if (p.objective.kind === 'dynpipe') {
    const w = p.objective.stalenessWeight;
    check(w >= 0 && Number.isFinite(w), 'E_USAGE', () => `planner: staleness weight must be >= 0, got ${w}`);
  }
  p.blocks.forEach((b, i) => {
    for (const [field, v] of Object.entries(b)) {
      check(typeof v === 'number' && v >= 0 && Number.isFinite(v), 'E_USAGE', () => `planner: block ${i} ${field} must be a finite number >= 0, got ${v}`);
    }
  });
  const total = p.blocks.reduce((s, b) => s + b.forwardMs + b.backwardMs, 0);
  check(total > 0, 'E_USAGE', () => 'planner: every block has zero compute time, so there is nothing to balance');
}

/** The replica cap actually used: min(maxReplicas ?? N, N, batchSize). */
export function replicaCap(p: PlannerProblem): number {
  return Math.min(p.maxReplicas ?? p.ranks, p.ranks, p.batchSize);
}

function prefixSums(values: readonly number[]): Float64Array {
  const out = new Float64Array(values.length + 1);
  for (let k = 0; k < values.length; k++) out[k + 1] = out[k] + values[k];
  return out;
}

/**
 * Objective-independent quantities of a stage, O(1) each. Block indices are [i, j) with
 * 0 <= i < j <= B; a stage's ranks are [r, r + m) with 0 <= r < r + m <= N.
 */
export class StageCosts {
  readonly numBlocks: number;
  readonly numRanks: number;
  readonly bandwidthBytesPerS: number;
  private readonly computePrefix: Float64Array;
  private readonly paramPrefix: Float64Array;
  private readonly activationPrefix: Float64Array;
  private readonly outputBytes: Float64Array;
  /** maxSlowdown[r * (N + 1) + m]: the slowest factor among ranks [r, r + m). */
  private readonly maxSlowdown: Float64Array;

  constructor(p: PlannerProblem) {
    checkProblem(p);
    this.numBlocks = p.blocks.length;
    this.numRanks = p.ranks;
    this.bandwidthBytesPerS = p.bandwidthBytesPerS;
    this.computePrefix = prefixSums(p.blocks.map((b) => b.forwardMs + b.backwardMs));
    this.paramPrefix = prefixSums(p.blocks.map((b) => b.paramBytes));
    this.activationPrefix = prefixSums(p.blocks.map((b) => b.activationBytes));
    this.outputBytes = Float64Array.from(p.blocks, (b) => b.activationBytes);
    const n = p.ranks;
    const slow = p.slowdown ?? new Array<number>(n).fill(1);
    this.maxSlowdown = new Float64Array(n * (n + 1) + n + 1);
    for (let r = 0; r < n; r++) {
      let worst = 0;
      for (let m = 1; r + m <= n; m++) {
        worst = Math.max(worst, slow[r + m - 1]);
        this.maxSlowdown[r * (n + 1) + m] = worst;
      }
    }
  }

  /** Forward + backward of blocks [i, j) for one microbatch on one unslowed rank. */
  computeMs(i: number, j: number): number {
    return this.computePrefix[j] - this.computePrefix[i];
  }

  paramBytes(i: number, j: number): number {
    return this.paramPrefix[j] - this.paramPrefix[i];
  }

  /** Sum of the blocks' output activations: what a stage stashes per microbatch for its backward. */
  activationBytes(i: number, j: number): number {
    return this.activationPrefix[j] - this.activationPrefix[i];
  }

  /** Bytes crossing the cut before block j (block j-1's output); 0 at the model's two ends. */
  boundaryBytes(j: number): number {
    return j <= 0 || j >= this.numBlocks ? 0 : this.outputBytes[j - 1];
  }

  /** Slowest rank factor in [r, r + m): replicas split a microbatch evenly, so the slowest one sets the pace. */
  slowdown(r: number, m: number): number {
    return this.maxSlowdown[r * (this.numRanks + 1) + m];
  }

  /**
   * Ring all-reduce of the stage's gradients among m replicas: each sends and receives
   * 2 (m - 1) / m of the parameter bytes.
   */
  allreduceMs(i: number, j: number, m: number): number {
    return m <= 1 ? 0 : ((2 * (m - 1)) / m) * (this.paramBytes(i, j) / this.bandwidthBytesPerS) * 1000;
  }

  /** Time to move `bytes` once over one link. */
  transferMs(bytes: number): number {
    return (bytes / this.bandwidthBytesPerS) * 1000;
  }

  /** Weight-stash versions a rank of a stage starting at rank r with m replicas keeps (module comment). */
  stashVersions(r: number, m: number): number {
    return Math.ceil((this.numRanks - r) / m);
  }

  /** Bytes per rank of blocks [i, j) on ranks [r, r + m) (module comment). */
  memoryBytes(i: number, j: number, r: number, m: number): number {
    return this.stashVersions(r, m) * (this.paramBytes(i, j) + this.activationBytes(i, j) / m);
  }
}

export function blocksFromProfile(profile: {
  blocks: readonly { forward_ms: number; backward_ms: number; activation_bytes: number; param_bytes: number }[];
}): BlockCost[] {
  return profile.blocks.map((b) => ({
    forwardMs: b.forward_ms,
    backwardMs: b.backward_ms,
    activationBytes: b.activation_bytes,
    paramBytes: b.param_bytes,
  }));
}

/** Bytes per decimal gigabyte, the unit of the CLI's --bandwidth (GB/s) and --memory-per-rank (GB). */
export const BYTES_PER_GB = 1e9;

export function infeasible(message: string): DynpipeError {
  return new DynpipeError('E_PLAN_INFEASIBLE', message);
}
