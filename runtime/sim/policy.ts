/**
 * The simulator's side of the repartitioning contract: once per window of microbatches the
 * simulator hands the policy what the ranks measured and gets back a plan to move to, or none.
 *
 * The shapes are those of the coordinator's policies (runtime/coordinator/policy.ts on the
 * `migration` branch: PolicyInput, RankWindow, RepartitionPolicy), field for field, so the real
 * controller and simple policy satisfy `RepartitionPolicy` here structurally and plug in unchanged.
 * TODO(migration merge): pass `new RepartitionController(...)` / `new SimplePolicy(...)` from
 * runtime/coordinator/ in modes.ts instead of the stand-ins, and drop simple-policy.ts.
 */
import { type Plan, stageRanges, worldSize } from '../plan/plan.js';
import type { BlockCost } from '../../partitioner/cost.js';

/** One rank's means over a window (microbatches of one plan version only). */
export interface RankWindow {
  readonly rank: number;
  readonly stage: number;
  readonly microbatches: number;
  /** Mean forward + backward + optimizer ms per microbatch. */
  readonly computeMs: number;
  /** Mean receive + send wait ms per microbatch. */
  readonly waitMs: number;
  /** Rows of each microbatch the rank computed (its replica share). */
  readonly rows: number;
}

export interface PolicyInput {
  /** Simulated job clock (ms) at the end of the window. */
  readonly timeMs: number;
  /** Microbatches the last stage has finished. */
  readonly iteration: number;
  readonly totalIterations: number;
  /** The plan the window ran under. */
  readonly plan: Plan;
  /** Unslowed per-block costs for one microbatch. */
  readonly blocks: readonly BlockCost[];
  /** Per-rank means of the window, ascending rank (ranks that finished nothing are absent). */
  readonly windows: readonly RankWindow[];
}

export interface PolicyDecision {
  readonly action: 'repartition' | 'none';
  /** Present exactly when action is 'repartition'. */
  readonly plan?: Plan;
  /** One line: why (or why not). */
  readonly reason: string;
}

export interface RepartitionPolicy {
  decide(input: PolicyInput): PolicyDecision;
  /** A repartition took effect at `timeMs` after a pause of `pauseMs`. */
  applied(timeMs: number, pauseMs?: number): void;
}

/** PipeDream's static plan: never repartition. */
export class NeverPolicy implements RepartitionPolicy {
  decide(): PolicyDecision {
    return { action: 'none', reason: 'static plan (pipedream mode)' };
  }

  applied(): void {}
}

/**
 * Per-rank slowdown measured in a window: mean compute over what the rank's blocks cost unslowed
 * for its rows (forward + backward from `blocks`, plus `stepMs(stage)` for its optimizer step).
 * 1 for ranks absent from the window.
 */
export function measuredRatios(input: PolicyInput, stepMs: (stage: number) => number = () => 0): number[] {
  const ranges = stageRanges(input.plan);
  const out = new Array<number>(worldSize(input.plan)).fill(1);
  for (const w of input.windows) {
    const [a, b] = ranges[w.stage];
    let ms = 0;
    for (let i = a; i < b; i++) ms += input.blocks[i].forwardMs + input.blocks[i].backwardMs;
    const expected = (ms * w.rows) / input.plan.microbatch_size + stepMs(w.stage);
    if (expected > 0 && w.microbatches > 0) out[w.rank] = w.computeMs / expected;
  }
  return out;
}
