/**
 * Runs a repartitioning policy once per window of stats: cuts the stream of per-microbatch stats
 * into windows of the running plan version, obtains the block costs (a profile, or calibrated from
 * the first window after `warmupWindows` warm-up windows), asks the policy and records every
 * decision. No I/O: decisions go to `onDecision` (the CLI writes them to a CSV file).
 *
 * Calibrated costs keep improving: after every window each block's cost becomes the least of its
 * cost so far and this window's estimate. Interference only ever adds time, so the least
 * estimate is the closest to unslowed, and one slow calibration window (a JIT warming up, a
 * noisy neighbour) does not make a rank look faster than it is for the rest of the run.
 */
import type { ModelSpec } from '../models/block.js';
import { type Plan, numStages, ranksOfStage } from '../plan/plan.js';
import type { BlockCost } from '../../partitioner/cost.js';
import { calibratedBlockCosts } from './block-costs.js';
import type { Decision, RepartitionPolicy } from './policy.js';
import { type RankStats, type RankWindow, WindowStats } from './rank-stats.js';

export type BlockCostSource = { kind: 'fixed'; blocks: readonly BlockCost[] } | { kind: 'calibrate'; model: ModelSpec; warmupWindows: number };

export interface DecisionRecord extends Decision {
  readonly timeMs: number;
  readonly iteration: number;
  readonly planVersion: number;
  readonly currentPartition: readonly number[];
}

export interface PolicyRunnerOptions {
  policy: RepartitionPolicy;
  /** Microbatches the last stage finishes per window. */
  windowMicrobatches: number;
  costs: BlockCostSource;
  plan: Plan;
  planVersion: number;
  totalIterations: number;
  onDecision(d: DecisionRecord): void;
}

export class PolicyRunner {
  private readonly stats: WindowStats;
  private plan: Plan;
  private planVersion: number;
  private blocks: readonly BlockCost[] | undefined;
  private windowsSeen = 0;
  private iteration = 0;

  constructor(private readonly o: PolicyRunnerOptions) {
    this.plan = o.plan;
    this.planVersion = o.planVersion;
    this.blocks = o.costs.kind === 'fixed' ? o.costs.blocks : undefined;
    this.stats = new WindowStats(o.planVersion, numStages(o.plan) - 1);
  }

  /**
   * Feeds one rank's stats; at the end of a window returns the policy's decision (also recorded).
   * While `mayDecide` is false (a change is running) a finished window is dropped undecided.
   */
  onStats(rank: number, s: RankStats, timeMs: number, mayDecide = true): DecisionRecord | undefined {
    if (s.stage === numStages(this.plan) - 1 && (s.plan_version ?? 0) === this.planVersion) this.iteration = Math.max(this.iteration, s.mb + 1);
    this.stats.add(rank, s);
    const lastStageRanks = ranksOfStage(this.plan, numStages(this.plan) - 1).length;
    if (this.stats.lastStageMicrobatches < this.o.windowMicrobatches * lastStageRanks) return undefined;
    const windows = this.stats.take();
    if (!mayDecide) return undefined;
    this.windowsSeen++;
    const costs = this.o.costs;
    if (!this.blocks) {
      if (costs.kind !== 'calibrate' || this.windowsSeen <= costs.warmupWindows) return undefined;
      this.blocks = calibratedBlockCosts(costs.model, this.plan, windows);
      return undefined;
    }
    if (costs.kind === 'calibrate') this.refine(costs.model, windows);
    const d = this.o.policy.decide({ timeMs, iteration: this.iteration, totalIterations: this.o.totalIterations, plan: this.plan, blocks: this.blocks, windows });
    const record: DecisionRecord = { ...d, timeMs, iteration: this.iteration, planVersion: this.planVersion, currentPartition: this.plan.partition };
    this.o.onDecision(record);
    return record;
  }

  /** The job moved to `plan` (version `planVersion`) at `timeMs`; stats of older versions are ignored from now on. */
  planChanged(plan: Plan, planVersion: number, timeMs: number, pauseMs?: number): void {
    this.plan = plan;
    this.planVersion = planVersion;
    this.stats.restart(planVersion, numStages(plan) - 1);
    this.o.policy.applied(timeMs, pauseMs);
  }

  /** Each block's cost becomes the least of its cost so far and this window's estimate (module comment). */
  private refine(model: ModelSpec, windows: readonly RankWindow[]): void {
    if (new Set(windows.map((w) => w.stage)).size < numStages(this.plan)) return; // some stage did not report
    const now = calibratedBlockCosts(model, this.plan, windows);
    this.blocks = this.blocks!.map((b, i) => (now[i].forwardMs + now[i].backwardMs < b.forwardMs + b.backwardMs ? now[i] : b));
  }

  /** The block costs the policy uses now (undefined before calibration). */
  get blockCosts(): readonly BlockCost[] | undefined {
    return this.blocks;
  }

  /** Whether the block costs are known (a profile, or the calibration window has passed). */
  get calibrated(): boolean {
    return this.blocks !== undefined;
  }
}
