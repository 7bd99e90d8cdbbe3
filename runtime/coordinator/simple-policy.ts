/**
 * The `simple` mode's naive policy, the baseline that shows what the predictor and the planner buy:
 * no predictor, no planner, no cost/benefit.
 *
 *  - Trigger: some rank's measured compute per microbatch exceeds its baseline (what its blocks
 *    cost unslowed, block-costs.ts) by more than `threshold` (0.2 = 20 %).
 *  - Move: keep every stage on its ranks and re-cut the blocks in proportion to the stages'
 *    measured speeds: stage k's speed is replicas_k / r_k, r_k = the largest measured/baseline
 *    ratio among its ranks; stage k gets a share speed_k / sum(speed) of the total block work, cut
 *    at the block boundary nearest to that share (every stage keeps at least one block).
 *  - The only brake is a dwell time between two changes (and no change when the cut is unchanged).
 * Pure: no I/O, time comes in with the input.
 */
import { DynpipeError } from '../errors.js';
import { numStages, ranksOfStage, stageOfRank, validatePlan, worldSize } from '../plan/plan.js';
import type { BlockCost } from '../../partitioner/cost.js';
import { rangeComputeMs } from './block-costs.js';
import { type Decision, type PolicyInput, type RepartitionPolicy, noDecision } from './policy.js';
import { measuredSlowdowns } from './slowdowns.js';

export interface SimpleConfig {
  /** Relative excess over the baseline that triggers a rebalance (> 0). */
  readonly threshold: number;
  readonly dwellMs: number;
}

/**
 * Blocks per stage giving stage k a share `speeds[k] / sum(speeds)` of the total work of `blocks`:
 * cut k sits at the boundary whose prefix work is nearest to the cumulative target (ties: the
 * earlier boundary), with at least one block per stage.
 */
export function proportionalPartition(blocks: readonly BlockCost[], speeds: readonly number[]): number[] {
  const b = blocks.length;
  const s = speeds.length;
  if (s < 1 || s > b) throw new DynpipeError('E_USAGE', `proportional split: ${s} stages for ${b} blocks`);
  const prefix = [0];
  for (let i = 0; i < b; i++) prefix.push(prefix[i] + blocks[i].forwardMs + blocks[i].backwardMs);
  const totalSpeed = speeds.reduce((x, y) => x + y, 0);
  const cuts: number[] = [0];
  let target = 0;
  for (let k = 0; k < s - 1; k++) {
    target += (prefix[b] * speeds[k]) / totalSpeed;
    const lo = cuts[k] + 1;
    const hi = b - (s - 1 - k);
    let best = lo;
    for (let j = lo; j <= hi; j++) if (Math.abs(prefix[j] - target) < Math.abs(prefix[best] - target)) best = j;
    cuts.push(best);
  }
  cuts.push(b);
  return cuts.slice(1).map((c, k) => c - cuts[k]);
}

export class SimplePolicy implements RepartitionPolicy {
  private lastChangeMs = -Infinity;

  constructor(private readonly config: SimpleConfig) {
    if (!(config.threshold > 0 && Number.isFinite(config.threshold))) throw new DynpipeError('E_USAGE', `simple policy: threshold must be a number > 0, got ${config.threshold}`);
    if (!(config.dwellMs >= 0 && Number.isFinite(config.dwellMs))) throw new DynpipeError('E_USAGE', `simple policy: dwellMs must be a number >= 0, got ${config.dwellMs}`);
  }

  applied(timeMs: number): void {
    this.lastChangeMs = timeMs;
  }

  decide(input: PolicyInput): Decision {
    const { plan, blocks } = input;
    const n = worldSize(plan);
    if (input.windows.length < n) return noDecision(`waiting for stats from every rank (${input.windows.length} of ${n} reported)`, { slowdowns: [] });
    const ratios = measuredSlowdowns({ plan, blocks, windows: input.windows });
    const stages = numStages(plan);
    const stageRatio = Array.from({ length: stages }, (_, k) => Math.max(...ranksOfStage(plan, k).map((r) => ratios[r])));
    const speeds = stageRatio.map((r, k) => ranksOfStage(plan, k).length / r);
    const partition = proportionalPartition(blocks, speeds);
    const msOf = (p: readonly number[]) => {
      let a = 0;
      return Math.max(...p.map((len, k) => {
        const ms = (rangeComputeMs(blocks, a, a + len) * stageRatio[k]) / ranksOfStage(plan, k).length;
        a += len;
        return ms;
      }));
    };
    const current = msOf(plan.partition);
    const proposed = msOf(partition);
    const base = { slowdowns: ratios, currentMsPerIter: current, proposedMsPerIter: proposed, predictedGainMsPerIter: current - proposed, proposedPartition: partition };
    const worst = ratios.reduce((w, r, rank) => (r > ratios[w] ? rank : w), 0);
    if (ratios[worst] <= 1 + this.config.threshold) {
      return noDecision(`no rank exceeds its baseline by more than ${pct(this.config.threshold)} (worst: rank ${worst} at ${ratios[worst].toFixed(3)}x)`, base);
    }
    if (partition.join(',') === plan.partition.join(',')) return noDecision(`rank ${worst} at ${ratios[worst].toFixed(3)}x, but the proportional split equals the current one`, base);
    const since = input.timeMs - this.lastChangeMs;
    if (since < this.config.dwellMs) return noDecision(`dwell: ${since.toFixed(1)} ms since the last repartition, at least ${this.config.dwellMs} ms required`, base);
    const { predicted: _stale, ...rest } = plan;
    const next = validatePlan({ ...rest, partition }, 'simple policy plan');
    return {
      ...base,
      action: 'repartition',
      plan: next,
      reason: `rank ${worst} (stage ${stageOfRank(plan, worst)}) at ${ratios[worst].toFixed(3)}x its baseline (> ${(1 + this.config.threshold).toFixed(3)}): blocks [${plan.partition.join(', ')}] -> [${partition.join(', ')}] in proportion to measured speed`,
      remainingIterations: Math.max(0, input.totalIterations - input.iteration),
      benefitMs: 0,
      costMs: 0,
    };
  }
}

function pct(x: number): string {
  return `${(100 * x).toFixed(0)} %`;
}
