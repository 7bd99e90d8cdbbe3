/**
 * Per-rank slowdown estimates: how much slower than unslowed each rank computes right now. The
 * controller takes them from an injected predictor (the random forest of predictor/, given the
 * window's features) or, without one, from the measured ratio below. Pure: no I/O.
 */
import { type Plan, stageOfRank, stageRanges, worldSize } from '../plan/plan.js';
import type { BlockCost } from '../../partitioner/cost.js';
import { rangeComputeMs } from './block-costs.js';
import type { RankWindow } from './rank-stats.js';

export interface SlowdownInput {
  readonly plan: Plan;
  readonly blocks: readonly BlockCost[];
  /** One window per rank that reported (ascending rank). */
  readonly windows: readonly RankWindow[];
}

/** Returns one factor per rank (length = world size, each finite and > 0; 1 = unslowed). */
export type SlowdownPredictor = (input: SlowdownInput) => number[];

/** Smallest factor reported: a rank never counts as more than 10x faster than profiled. */
export const MIN_SLOWDOWN = 0.1;

/**
 * The measured ratio: a rank's compute per microbatch over what its blocks cost unslowed for the
 * rows it computes (block costs are per whole microbatch). A rank without stats in the window
 * counts as unslowed.
 */
export const measuredSlowdowns: SlowdownPredictor = ({ plan, blocks, windows }) => {
  const out = new Array<number>(worldSize(plan)).fill(1);
  const ranges = stageRanges(plan);
  for (const w of windows) {
    const [a, b] = ranges[stageOfRank(plan, w.rank)];
    const expected = (rangeComputeMs(blocks, a, b) * w.rows) / plan.microbatch_size;
    if (expected > 0 && w.microbatches > 0) out[w.rank] = Math.max(MIN_SLOWDOWN, w.computeMs / expected);
  }
  return out;
};
