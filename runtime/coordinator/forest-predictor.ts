/**
 * The random-forest predictor (predictor/) as the controller's SlowdownPredictor: for each rank,
 * its device features (predictor/observation.ts) from the host counters it reported in the window
 * and its own stage timings, and the static features of the block range it runs; the forest's
 * prediction is that rank's slowdown. A rank that reported no host counters in the window falls
 * back to the measured ratio (slowdowns.ts). Pure.
 */
import type { ModelSpec } from '../models/block.js';
import { stageOfRank, stageRanges } from '../plan/plan.js';
import { staticFeatures } from '../../predictor/features.js';
import type { SlowdownForest } from '../../predictor/forest.js';
import { deviceFeatures } from '../../predictor/observation.js';
import { rangeComputeMs } from './block-costs.js';
import { MIN_SLOWDOWN, type SlowdownPredictor, measuredSlowdowns } from './slowdowns.js';

export function forestPredictor(forest: Pick<SlowdownForest, 'predictOne'>, model: ModelSpec): SlowdownPredictor {
  return (input) => {
    const { plan, blocks, windows } = input;
    const out = measuredSlowdowns(input);
    const ranges = stageRanges(plan);
    for (const w of windows) {
      if (!w.host || w.windowMs === undefined || !(w.windowMs > 0)) continue;
      const [a, b] = ranges[stageOfRank(plan, w.rank)];
      const rows = Math.max(1, Math.round(w.rows));
      const aloneMs = (rangeComputeMs(blocks, a, b) * w.rows) / plan.microbatch_size;
      if (!(aloneMs > 0)) continue;
      const range = staticFeatures(model, a, b, rows, aloneMs);
      const device = deviceFeatures(w.host, {
        computeMsPerMicrobatch: w.computeMs,
        profiledComputeMsPerMicrobatch: aloneMs,
        flopsPerByte: range.flops_per_byte,
        waitMs: w.waitMs * w.microbatches,
        sends: w.microbatches,
        sendWaitMs: (w.sendWaitMs ?? 0) * w.microbatches,
        windowMs: w.windowMs,
      });
      out[w.rank] = Math.max(MIN_SLOWDOWN, forest.predictOne(range, device));
    }
    return out;
  };
}
