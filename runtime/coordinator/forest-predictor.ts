/**
 * The random-forest predictor (predictor/) as the controller's SlowdownPredictor: for each rank,
 * its device features (predictor/observation.ts) from the host counters it reported in the window
 * and its own stage timings, and the static features of the block range it runs; the forest's
 * prediction is that rank's slowdown. A rank that reported no host counters in the window falls
 * back to the measured ratio (slowdowns.ts). Pure.
 *
 * `forestRangePredictor` asks the other question the planner needs: how would a *different* block
 * range run on a rank's device, given what that device reported while running its current range?
 */
import type { ModelSpec } from '../models/block.js';
import { stageOfRank, stageRanges } from '../plan/plan.js';
import { staticFeatures, type DeviceFeatures } from '../../predictor/features.js';
import type { SlowdownForest } from '../../predictor/forest.js';
import { deviceFeatures } from '../../predictor/observation.js';
import { rangeComputeMs } from './block-costs.js';
import { MIN_SLOWDOWN, type SlowdownInput, type SlowdownPredictor, measuredSlowdowns } from './slowdowns.js';
import type { RankWindow } from './rank-stats.js';

/** A rank's observed device state and the range it ran meanwhile (the observer). */
interface RankDevice {
  device: DeviceFeatures;
  /** Rows per microbatch the rank computes (its batch size in static features). */
  rows: number;
  range: [number, number];
  aloneMs: number;
}

/** The device features of `w`'s rank, or null when its window has no host counters or no length. */
function rankDevice(input: SlowdownInput, model: ModelSpec, w: RankWindow): RankDevice | null {
  const { plan, blocks } = input;
  if (!w.host || w.windowMs === undefined || !(w.windowMs > 0)) return null;
  const [a, b] = stageRanges(plan)[stageOfRank(plan, w.rank)];
  const aloneMs = (rangeComputeMs(blocks, a, b) * w.rows) / plan.microbatch_size;
  if (!(aloneMs > 0)) return null;
  const rows = Math.max(1, Math.round(w.rows));
  const device = deviceFeatures(w.host, {
    computeMsPerMicrobatch: w.computeMs,
    profiledComputeMsPerMicrobatch: aloneMs,
    flopsPerByte: staticFeatures(model, a, b, rows, aloneMs).flops_per_byte,
    waitMs: w.waitMs * w.microbatches,
    sends: w.microbatches,
    sendWaitMs: (w.sendWaitMs ?? 0) * w.microbatches,
    windowMs: w.windowMs,
  });
  return { device, rows, range: [a, b], aloneMs };
}

export function forestPredictor(forest: Pick<SlowdownForest, 'predictOne'>, model: ModelSpec): SlowdownPredictor {
  return (input) => {
    const out = measuredSlowdowns(input);
    for (const w of input.windows) {
      const r = rankDevice(input, model, w);
      if (r) out[w.rank] = Math.max(MIN_SLOWDOWN, forest.predictOne(staticFeatures(model, r.range[0], r.range[1], r.rows, r.aloneMs), r.device));
    }
    return out;
  };
}

/**
 * Slowdown that blocks [start, end) would see on `rank`'s device, predicted from the device features
 * the rank reported while it ran its own range; the range's alone time comes from the block costs
 * (scaled to the rows the rank computes). Null when the rank reported no host counters in the
 * window: the forest has nothing to go on.
 */
export type RangePredictor = (input: SlowdownInput, rank: number, start: number, end: number) => number | null;

export function forestRangePredictor(forest: Pick<SlowdownForest, 'predictOne'>, model: ModelSpec): RangePredictor {
  return (input, rank, start, end) => {
    const w = input.windows.find((x) => x.rank === rank);
    const r = w ? rankDevice(input, model, w) : null;
    if (!r) return null;
    const aloneMs = (rangeComputeMs(input.blocks, start, end) * r.rows) / input.plan.microbatch_size;
    return Math.max(MIN_SLOWDOWN, forest.predictOne(staticFeatures(model, start, end, r.rows, aloneMs), r.device));
  };
}
