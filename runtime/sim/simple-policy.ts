/**
 * The `simple` mode's naive policy, written for the simulator while the coordinator's own
 * (runtime/coordinator/simple-policy.ts on the `migration` branch) is unmerged; same definition:
 *
 *  - trigger: some rank's measured compute per microbatch exceeds its unslowed baseline by more
 *    than `threshold` (0.25 = 25 %), and at least `dwellMs` passed since the last change;
 *  - move: every stage keeps its ranks; the blocks are re-cut so that stage k gets a share
 *    speed_k / sum(speed) of the total block work, speed_k = replicas_k / (slowest ratio among its
 *    ranks), each cut at the block boundary nearest its cumulative target (ties: the earlier one),
 *    at least one block per stage.
 * No predictor, no planner, no cost/benefit. TODO(migration merge): replace with the coordinator's
 * SimplePolicy (same contract, policy.ts).
 */
import { DynpipeError } from '../errors.js';
import { type Plan, numStages, ranksOfStage, validatePlan } from '../plan/plan.js';
import type { BlockCost } from '../../partitioner/cost.js';
import { type PolicyDecision, type PolicyInput, type RepartitionPolicy, measuredRatios } from './policy.js';

export interface SimpleSettings {
  /** Relative excess over the baseline that triggers a rebalance (> 0). */
  readonly threshold: number;
  readonly dwellMs: number;
  /** Unslowed optimizer step of a stage of the plan under decision (part of the baseline). */
  readonly stepMs?: (plan: Plan, stage: number) => number;
}

/**
 * Blocks per stage for `speeds` (see module comment): cut k lands on the boundary j whose prefix
 * work is nearest to the first k + 1 stages' share of the total.
 */
export function proportionalPartition(blocks: readonly BlockCost[], speeds: readonly number[]): number[] {
  const nb = blocks.length;
  const ns = speeds.length;
  if (ns < 1 || ns > nb) throw new DynpipeError('E_USAGE', `proportional split: ${ns} stages cannot share ${nb} blocks`);
  const prefix = new Float64Array(nb + 1);
  blocks.forEach((b, i) => (prefix[i + 1] = prefix[i] + b.forwardMs + b.backwardMs));
  const totalSpeed = speeds.reduce((a, b) => a + b, 0);
  const partition: number[] = [];
  let cut = 0;
  let share = 0;
  for (let k = 0; k + 1 < ns; k++) {
    share += speeds[k] / totalSpeed;
    const target = share * prefix[nb];
    let best = cut + 1;
    for (let j = cut + 2; j <= nb - (ns - 1 - k); j++) if (Math.abs(prefix[j] - target) < Math.abs(prefix[best] - target)) best = j;
    partition.push(best - cut);
    cut = best;
  }
  partition.push(nb - cut);
  return partition;
}

export class SimplePolicy implements RepartitionPolicy {
  private lastChangeMs = -Infinity;

  constructor(private readonly settings: SimpleSettings) {
    if (!(settings.threshold > 0 && Number.isFinite(settings.threshold))) throw new DynpipeError('E_USAGE', `simple policy: threshold must be a number > 0, got ${settings.threshold}`);
    if (!(settings.dwellMs >= 0 && Number.isFinite(settings.dwellMs))) throw new DynpipeError('E_USAGE', `simple policy: dwell must be a number >= 0 ms, got ${settings.dwellMs}`);
  }

  applied(timeMs: number): void {
    this.lastChangeMs = timeMs;
  }

  decide(input: PolicyInput): PolicyDecision {
    const { plan } = input;
    const stepMs = this.settings.stepMs;
    const ratios = measuredRatios(input, stepMs ? (stage) => stepMs(plan, stage) : undefined);
    const worst = ratios.reduce((w, x, r) => (x > ratios[w] ? r : w), 0);
    const limit = 1 + this.settings.threshold;
    if (!(ratios[worst] > limit)) return { action: 'none', reason: `no rank above ${limit.toFixed(2)}x its baseline (worst: rank ${worst} at ${ratios[worst].toFixed(3)}x)` };
    const since = input.timeMs - this.lastChangeMs;
    if (since < this.settings.dwellMs) return { action: 'none', reason: `dwell: ${since.toFixed(0)} of ${this.settings.dwellMs} ms since the last change` };
    const speeds = Array.from({ length: numStages(plan) }, (_, k) => {
      const ranks = ranksOfStage(plan, k);
      return ranks.length / Math.max(...ranks.map((r) => ratios[r]));
    });
    const partition = proportionalPartition(input.blocks, speeds);
    if (partition.join('-') === plan.partition.join('-')) return { action: 'none', reason: `rank ${worst} at ${ratios[worst].toFixed(3)}x, but the proportional cut is the current one` };
    return {
      action: 'repartition',
      plan: validatePlan({ ...plan, partition, predicted: undefined }, 'simple policy plan'),
      reason: `rank ${worst} at ${ratios[worst].toFixed(3)}x its baseline: blocks [${plan.partition.join(', ')}] -> [${partition.join(', ')}]`,
    };
  }
}
