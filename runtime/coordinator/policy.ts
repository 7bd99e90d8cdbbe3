/**
 * The contract between the coordinator and a repartitioning policy (controller.ts for dynpipe and
 * dynpipe-re, simple-policy.ts for simple): once per window the coordinator hands over what it
 * measured and gets a decision it logs, whichever way it goes. Policies are pure: time comes in as
 * `timeMs`, nothing is read or written.
 */
import type { Plan } from '../plan/plan.js';
import type { BlockCost } from '../../partitioner/cost.js';
import type { RankWindow } from './rank-stats.js';

export interface PolicyInput {
  /** Job clock (ms) at the end of the window. */
  readonly timeMs: number;
  /** Microbatches the job has finished (the last stage's count). */
  readonly iteration: number;
  readonly totalIterations: number;
  /** The plan the window ran under. */
  readonly plan: Plan;
  /** Unslowed per-block costs for one microbatch (block-costs.ts). */
  readonly blocks: readonly BlockCost[];
  /** Per-rank means of the window (ascending rank). */
  readonly windows: readonly RankWindow[];
}

export interface Decision {
  readonly action: 'repartition' | 'none';
  /** The plan to move to; present exactly when action is 'repartition'. */
  readonly plan?: Plan;
  /** One line: why (or why not). */
  readonly reason: string;
  /** Estimated slowdown of each rank (1 = unslowed). */
  readonly slowdowns: readonly number[];
  /** Predicted time per iteration of the current plan and of the best plan, under `slowdowns`. */
  readonly currentMsPerIter: number;
  readonly proposedMsPerIter: number;
  readonly predictedGainMsPerIter: number;
  /** Iterations the gain is counted for: min(left in the job, horizon). */
  readonly remainingIterations: number;
  readonly benefitMs: number;
  readonly costMs: number;
  /** Blocks per stage of the best plan (equal to the current one when nothing better exists). */
  readonly proposedPartition: readonly number[];
}

export interface RepartitionPolicy {
  decide(input: PolicyInput): Decision;
  /** A repartition took effect at `timeMs`; `pauseMs` is its measured pause (feeds the cost model). */
  applied(timeMs: number, pauseMs?: number): void;
}

/** A 'none' decision that carries what was estimated so far. */
export function noDecision(reason: string, partial: Partial<Decision> & { readonly slowdowns: readonly number[] }): Decision {
  return {
    currentMsPerIter: 0,
    proposedMsPerIter: 0,
    predictedGainMsPerIter: 0,
    remainingIterations: 0,
    benefitMs: 0,
    costMs: 0,
    proposedPartition: [],
    ...partial,
    action: 'none',
    reason,
    plan: undefined,
  };
}
