/**
 * The repartitioning controller of the dynpipe and dynpipe-re modes. Once per window:
 *
 *  1. slowdowns s_r per rank: from the injected predictor, else the measured ratio (slowdowns.ts);
 *  2. T_cur = the current plan's predicted time per iteration under s, and the best plan P* with
 *     T* from the planner (partitioner/pipedream-dp.ts with `slowdown` = s);
 *  3. cost/benefit: gain g = T_cur - T* - noise · T_cur (a predicted gain within the measurement
 *     noise counts as none); benefit = g · min(iterations left, horizon); the change pays when
 *     benefit > cost · (1 + margin), cost from migration-cost.ts;
 *  4. hysteresis: the same P* must pay in `confirmWindows` consecutive windows (an interferer that
 *     comes and goes within a window or two never confirms), and at least `dwellMs` must have
 *     passed since the last repartition.
 *
 * Every window ends in a Decision with its reason, repartition or not. Pure: the clock comes in as
 * `PolicyInput.timeMs`; the only state is the pending proposal and the time of the last change.
 */
import { DynpipeError, isDynpipeError } from '../errors.js';
import { type Plan, validatePlan, worldSize } from '../plan/plan.js';
import type { Objective, PlannerProblem } from '../../partitioner/cost.js';
import { StageCosts } from '../../partitioner/cost.js';
import { describePartition } from '../../partitioner/evaluate.js';
import { objectiveModel } from '../../partitioner/objective.js';
import { planPartition } from '../../partitioner/pipedream-dp.js';
import { planAssignments, toPlan } from '../../partitioner/to-plan.js';
import { changedBlocks } from '../migration/plan-diff.js';
import { type MigrationCostModel, migrationCost } from './migration-cost.js';
import { type Decision, type PolicyInput, type RepartitionPolicy, noDecision } from './policy.js';
import { type SlowdownPredictor, measuredSlowdowns } from './slowdowns.js';

/** Relative noise of time estimates assumed when the configuration names none. */
export const DEFAULT_NOISE = 0.05;

export interface PlannerSettings {
  readonly objective: Objective;
  readonly bandwidthBytesPerS: number;
  readonly maxReplicas?: number;
  readonly memoryPerRankBytes?: number;
}

export interface ControllerConfig {
  /** Iterations a gain is counted for at most (the interference may not last longer). */
  readonly horizonIterations: number;
  /** Consecutive windows the same best plan must pay before it is applied (>= 1). */
  readonly confirmWindows: number;
  /** Minimum ms between two repartitions. */
  readonly dwellMs: number;
  /** The benefit must exceed cost · (1 + margin) (>= 0). */
  readonly margin: number;
  /** Relative noise of the time estimates: this fraction of T_cur is taken off every predicted gain (in [0, 1); default 0.05). */
  readonly noise?: number;
  readonly planner: PlannerSettings;
  /** fixedMs is the default used until a repartition has been measured. */
  readonly cost: MigrationCostModel;
}

/** Throws E_USAGE naming the first bad field. */
export function checkControllerConfig(c: ControllerConfig): void {
  const bad = (field: string, v: unknown, want: string) => new DynpipeError('E_USAGE', `controller: ${field} must be ${want}, got ${v}`);
  if (!(Number.isInteger(c.horizonIterations) && c.horizonIterations >= 1)) throw bad('horizonIterations', c.horizonIterations, 'an integer >= 1');
  if (!(Number.isInteger(c.confirmWindows) && c.confirmWindows >= 1)) throw bad('confirmWindows', c.confirmWindows, 'an integer >= 1');
  if (!(c.dwellMs >= 0 && Number.isFinite(c.dwellMs))) throw bad('dwellMs', c.dwellMs, 'a number >= 0');
  if (!(c.margin >= 0 && Number.isFinite(c.margin))) throw bad('margin', c.margin, 'a number >= 0');
  if (c.noise !== undefined && !(c.noise >= 0 && c.noise < 1)) throw bad('noise', c.noise, 'a number in [0, 1)');
  if (!(c.cost.fixedMs >= 0 && Number.isFinite(c.cost.fixedMs))) throw bad('cost.fixedMs', c.cost.fixedMs, 'a number >= 0');
}

/** The plan the runtime runs for the planner's partition, keeping the current plan's schedule settings. */
function proposedPlan(current: Plan, result: ReturnType<typeof planPartition>): Plan {
  const p = toPlan(result, { model: current.model, microbatchSize: current.microbatch_size, schedule: current.schedule, training: current.training });
  const inFlight = current.in_flight === undefined ? {} : { in_flight: current.in_flight };
  return validatePlan({ ...p, ...inFlight, microbatches_per_step: current.microbatches_per_step }, 'controller plan');
}

function placementKey(p: Plan): string {
  return JSON.stringify([p.partition, p.stage_to_rank_map]);
}

export class RepartitionController implements RepartitionPolicy {
  private pending: { key: string; windows: number } | undefined;
  private lastChangeMs = -Infinity;
  private fixedMs: number;

  constructor(
    private readonly config: ControllerConfig,
    private readonly predict: SlowdownPredictor = measuredSlowdowns,
  ) {
    checkControllerConfig(config);
    this.fixedMs = config.cost.fixedMs;
  }

  applied(timeMs: number, pauseMs?: number): void {
    this.lastChangeMs = timeMs;
    this.pending = undefined;
    if (pauseMs !== undefined && pauseMs >= 0 && Number.isFinite(pauseMs)) this.fixedMs = pauseMs;
  }

  decide(input: PolicyInput): Decision {
    const { plan, blocks } = input;
    const n = worldSize(plan);
    if (input.windows.length < n) return this.reset(noDecision(`waiting for stats from every rank (${input.windows.length} of ${n} reported)`, { slowdowns: [] }));
    const slowdowns = this.predict({ plan, blocks, windows: input.windows });
    if (slowdowns.length !== n || slowdowns.some((s) => !(s > 0) || !Number.isFinite(s))) {
      throw new DynpipeError('E_PREDICTOR', `predictor returned [${slowdowns.join(', ')}], expected ${n} finite factors > 0`);
    }
    const settings = this.config.planner;
    const problem: PlannerProblem = {
      blocks, batchSize: plan.microbatch_size, ranks: n, bandwidthBytesPerS: settings.bandwidthBytesPerS, slowdown: slowdowns,
      maxReplicas: settings.maxReplicas, memoryPerRankBytes: settings.memoryPerRankBytes, objective: settings.objective,
    };
    const assignments = planAssignments(plan);
    if (!assignments) return this.reset(noDecision('the current plan does not give stages contiguous rank ranges in order; the planner cannot evaluate it', { slowdowns }));
    const current = describePartition(objectiveModel(new StageCosts(problem), settings.objective), problem, assignments);
    let best;
    try {
      best = planPartition(problem);
    } catch (e) {
      if (isDynpipeError(e, 'E_PLAN_INFEASIBLE')) return this.reset(noDecision(`no feasible plan: ${e.message}`, { slowdowns, currentMsPerIter: current.objectiveMs }));
      throw e;
    }
    const next = proposedPlan(plan, best);
    const remainingIterations = Math.max(0, Math.min(input.totalIterations - input.iteration, this.config.horizonIterations));
    const noise = this.config.noise ?? DEFAULT_NOISE;
    const gain = current.objectiveMs - best.objectiveMs - noise * current.objectiveMs;
    const base = {
      slowdowns, currentMsPerIter: current.objectiveMs, proposedMsPerIter: best.objectiveMs, predictedGainMsPerIter: gain,
      remainingIterations, benefitMs: gain * remainingIterations, proposedPartition: next.partition,
    };
    if (changedBlocks(plan, next) === 0) return this.reset(noDecision('the current plan is already the best for these slowdowns', { ...base, predictedGainMsPerIter: 0, benefitMs: 0 }));
    if (gain <= 0) {
      return this.reset(noDecision(`plan [${next.partition.join(', ')}] gains ${fmt(current.objectiveMs - best.objectiveMs)} ms/iter, within the ${100 * noise} % noise of ${fmt(current.objectiveMs)} ms`, { ...base, predictedGainMsPerIter: 0, benefitMs: 0 }));
    }
    const cost = migrationCost({ ...this.config.cost, fixedMs: this.fixedMs }, plan, next, blocks, current.objectiveMs, best.objectiveMs);
    const withCost = { ...base, costMs: cost.totalMs };
    const threshold = cost.totalMs * (1 + this.config.margin);
    if (!(withCost.benefitMs > threshold)) {
      return this.reset(noDecision(`gain ${fmt(gain)} ms/iter x ${remainingIterations} iter = ${fmt(withCost.benefitMs)} ms does not exceed cost ${fmt(cost.totalMs)} ms x ${1 + this.config.margin}`, withCost));
    }
    const key = placementKey(next);
    this.pending = this.pending?.key === key ? { key, windows: this.pending.windows + 1 } : { key, windows: 1 };
    if (this.pending.windows < this.config.confirmWindows) {
      return noDecision(`plan [${next.partition.join(', ')}] pays (${fmt(withCost.benefitMs)} > ${fmt(threshold)} ms) in ${this.pending.windows} of ${this.config.confirmWindows} consecutive windows`, withCost);
    }
    const since = input.timeMs - this.lastChangeMs;
    if (since < this.config.dwellMs) {
      return noDecision(`dwell: ${fmt(since)} ms since the last repartition, at least ${fmt(this.config.dwellMs)} ms required`, withCost);
    }
    this.pending = undefined;
    return {
      ...withCost,
      action: 'repartition',
      plan: next,
      reason: `gain ${fmt(gain)} ms/iter x ${remainingIterations} iter = ${fmt(withCost.benefitMs)} ms > cost ${fmt(cost.totalMs)} ms x ${1 + this.config.margin}, confirmed in ${this.config.confirmWindows} windows`,
    };
  }

  private reset(d: Decision): Decision {
    this.pending = undefined;
    return d;
  }
}

function fmt(ms: number): string {
  return Number.isFinite(ms) ? (Math.round(ms * 1000) / 1000).toString() : String(ms);
}
