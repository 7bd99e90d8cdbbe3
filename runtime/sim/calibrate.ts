/**
 * Block costs calibrated from a measured run, for `dynpipe simulate --validate --calibrate`: it
 * separates the simulator's pipeline model (waits, bubbles, transfers) from the profile's accuracy,
 * since a block timed alone (profile/measure.ts) and the same block inside a running stage (tape,
 * read-back of the output, a contended core) can differ several-fold.
 *
 * For each stage s of the plan: F_s, B_s = the mean forward and backward ms per microbatch over the
 * measured step rows of its ranks in microbatches [skip, until) (after warm-up, before any
 * interference the trace replays), scaled from the rank's rows to the whole microbatch; the stage's blocks keep their profiled shares of F_s and B_s (equal
 * shares where the profile has 0), and their activation and parameter bytes. The optimizer rate is
 * the total parameter bytes over the total mean optimizer ms of the stages. Pure.
 */
import { DynpipeError } from '../errors.js';
import { isStep } from '../log/metrics.js';
import type { RankLogRow } from '../log/rank-log.js';
import { type Plan, numStages, ranksOfStage, stageRanges } from '../plan/plan.js';
import { replicaRows } from '../worker/microbatches.js';
import type { BlockCost } from '../../partitioner/cost.js';

export interface Calibration {
  readonly blocks: BlockCost[];
  /** Parameter bytes the optimizer updates per second (Infinity when no step took time). */
  readonly optimizerBytesPerS: number;
  /** Per stage, the measured means per whole microbatch. */
  readonly stages: ReadonlyArray<{ readonly forwardMs: number; readonly backwardMs: number; readonly optimizerMs: number; readonly rows: number }>;
}

function spread(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => (sum > 0 ? (total * w) / sum : total / weights.length));
}

/** Calibrates `profiled` (costs per microbatch of plan.microbatch_size) to the run's plan-0 rows of microbatches [skip, until). */
export function calibrateBlocks(plan: Plan, profiled: readonly BlockCost[], rows: readonly RankLogRow[], skip: number, until = Infinity): Calibration {
  const steps = rows.filter(isStep).filter((s) => s.plan_version === 0 && s.microbatch >= skip && s.microbatch < until);
  const blocks: BlockCost[] = [];
  const stages: Array<Calibration['stages'][number]> = [];
  let paramBytes = 0;
  let optimizerMs = 0;
  stageRanges(plan).forEach(([a, b], s) => {
    const ranks = ranksOfStage(plan, s);
    const mine = steps.filter((x) => x.stage === s && ranks.includes(x.rank));
    if (mine.length === 0) throw new DynpipeError('E_DATA', `calibration: no step rows of stage ${s} in microbatches [${skip}, ${until}) (of ${numStages(plan)} stages)`);
    // per whole microbatch: a replica's time times microbatch_size / its rows
    const whole = (x: (typeof mine)[number], ms: number): number => {
      const share = replicaRows(plan.microbatch_size, ranks.indexOf(x.rank), ranks.length);
      return (ms * plan.microbatch_size) / (share.end - share.start);
    };
    const mean = (pick: (x: (typeof mine)[number]) => number): number => mine.reduce((t, x) => t + pick(x), 0) / mine.length;
    const stage = {
      forwardMs: mean((x) => whole(x, x.forward_ms)),
      backwardMs: mean((x) => whole(x, x.backward_ms)),
      optimizerMs: mean((x) => x.optimizer_ms),
      rows: mine.length,
    };
    stages.push(stage);
    const range = profiled.slice(a, b);
    const f = spread(stage.forwardMs, range.map((x) => x.forwardMs));
    const bw = spread(stage.backwardMs, range.map((x) => x.backwardMs));
    range.forEach((x, k) => blocks.push({ ...x, forwardMs: f[k], backwardMs: bw[k] }));
    for (const x of range) paramBytes += x.paramBytes;
    optimizerMs += stage.optimizerMs;
  });
  return { blocks, optimizerBytesPerS: optimizerMs > 0 ? (paramBytes / optimizerMs) * 1000 : Infinity, stages };
}
