/**
 * A stand-in for the coordinator's RepartitionController (dynpipe and dynpipe-re modes) until the
 * `migration` branch merges: it calls the real planner (partitioner/pipedream-dp.ts) once per
 * window with the measured slowdowns, like the controller without its predictor:
 *
 *  1. s_r = each rank's measured compute over its unslowed cost (policy.ts: measuredRatios);
 *  2. T_cur = the current plan's objective under s, T* and P* the planner's best;
 *  3. repartition when (T_cur - T*) · min(iterations left, horizon) > cost · (1 + margin), the cost
 *     being the pause (pause.ts, live or restart) plus the drain and refill bubble the controller
 *     charges, ((S - 1) T_cur + (S* - 1) T*) / 2, and the same P* has paid in `confirmWindows`
 *     consecutive windows, at least `dwellMs` after the last change.
 *
 * In-flight: P* keeps the current plan's explicit `in_flight` (raised to its number of stages if
 * below); without one, the runtime's default
 * ceil(N / replicas of stage 0) (plan.ts: PipeDream's NOAM, for replicas that take turns) starves
 * any plan with more stages than that, since dynpipe's replicas split each microbatch instead; a
 * 32-rank plan of 31 stages with 2 replicas in front would get 16 in flight and run its last 16
 * stages one microbatch at a time. So P* then states in_flight = its number of stages.
 * TODO(migration merge): replace with runtime/coordinator/controller.ts's RepartitionController
 * (same contract; it also prices the drain/refill bubble and can take the predictor's slowdowns).
 */
import { DynpipeError, isDynpipeError } from '../errors.js';
import { type Plan, defaultInFlight, numStages, validatePlan, worldSize } from '../plan/plan.js';
import { type BlockCost, type Objective, type PlannerProblem, StageCosts } from '../../partitioner/cost.js';
import { describePartition } from '../../partitioner/evaluate.js';
import { objectiveModel } from '../../partitioner/objective.js';
import { planPartition } from '../../partitioner/pipedream-dp.js';
import { planAssignments, toPlan } from '../../partitioner/to-plan.js';
import { type PauseModel, pauseFor } from './pause.js';
import { type PolicyDecision, type PolicyInput, type RepartitionPolicy, measuredRatios } from './policy.js';

export interface PlannerPolicySettings {
  readonly objective: Objective;
  readonly bandwidthBytesPerS: number;
  readonly maxReplicas?: number;
  /** Iterations a gain is counted for at most. */
  readonly horizonIterations: number;
  readonly confirmWindows: number;
  readonly dwellMs: number;
  readonly margin: number;
  readonly pause: PauseModel;
  /** Unslowed optimizer step of a stage of the plan under decision (part of the baseline). */
  readonly stepMs?: (plan: Plan, stage: number) => number;
}

/** The in-flight count a proposed plan states (module comment); undefined = the runtime's default. */
export function proposedInFlight(current: Plan, proposed: Plan): number | undefined {
  const depth = numStages(proposed);
  if (current.in_flight !== undefined) return Math.max(current.in_flight, depth);
  return defaultInFlight(proposed) < depth ? depth : undefined;
}

function fmt(ms: number): string {
  return ms.toFixed(1);
}

export class PlannerPolicy implements RepartitionPolicy {
  private pending: { key: string; windows: number } | undefined;
  private lastChangeMs = -Infinity;

  constructor(private readonly s: PlannerPolicySettings) {
    const bad = (field: string, v: unknown, want: string) => new DynpipeError('E_USAGE', `planner policy: ${field} must be ${want}, got ${v}`);
    if (!(Number.isInteger(s.horizonIterations) && s.horizonIterations >= 1)) throw bad('horizon', s.horizonIterations, 'an integer >= 1');
    if (!(Number.isInteger(s.confirmWindows) && s.confirmWindows >= 1)) throw bad('confirm windows', s.confirmWindows, 'an integer >= 1');
    if (!(s.dwellMs >= 0 && Number.isFinite(s.dwellMs))) throw bad('dwell', s.dwellMs, 'a number >= 0 ms');
    if (!(s.margin >= 0 && Number.isFinite(s.margin))) throw bad('margin', s.margin, 'a number >= 0');
  }

  applied(timeMs: number): void {
    this.lastChangeMs = timeMs;
    this.pending = undefined;
  }

  decide(input: PolicyInput): PolicyDecision {
    const { plan } = input;
    const n = worldSize(plan);
    const stepMs = this.s.stepMs;
    const slowdown = measuredRatios(input, stepMs ? (stage) => stepMs(plan, stage) : undefined).map((x) => Math.max(x, 0.1));
    const problem: PlannerProblem = {
      blocks: input.blocks as BlockCost[], batchSize: plan.microbatch_size, ranks: n, bandwidthBytesPerS: this.s.bandwidthBytesPerS,
      slowdown, maxReplicas: this.s.maxReplicas, objective: this.s.objective,
    };
    const stages = planAssignments(plan);
    if (!stages) return this.none('the plan does not give stages contiguous rank ranges; the planner cannot price it');
    const current = describePartition(objectiveModel(new StageCosts(problem), this.s.objective), problem, stages);
    let best;
    try {
      best = planPartition(problem);
    } catch (e) {
      if (isDynpipeError(e, 'E_PLAN_INFEASIBLE')) return this.none(`no feasible plan: ${e.message}`);
      throw e;
    }
    const proposed = toPlan(best, { model: plan.model, microbatchSize: plan.microbatch_size, schedule: plan.schedule, training: plan.training });
    const depth = numStages(proposed);
    const next = validatePlan({ ...proposed, in_flight: proposedInFlight(plan, proposed), microbatches_per_step: plan.microbatches_per_step }, 'planner policy plan');
    const key = JSON.stringify([next.partition, next.stage_to_rank_map]);
    if (key === JSON.stringify([plan.partition, plan.stage_to_rank_map])) return this.none('the current plan is the best for these slowdowns');
    const left = Math.min(input.totalIterations - input.iteration, this.s.horizonIterations);
    const gainMs = current.objectiveMs - best.objectiveMs;
    if (!(gainMs > 0)) return this.none(`the planner's best plan (${fmt(best.objectiveMs)} ms) is no better than the current one (${fmt(current.objectiveMs)} ms) under these slowdowns`);
    const bubbleMs = ((numStages(plan) - 1) * current.objectiveMs + (depth - 1) * best.objectiveMs) / 2;
    const costMs = pauseFor(this.s.pause, plan, next, input.blocks).pauseMs + bubbleMs;
    const threshold = costMs * (1 + this.s.margin);
    if (!(gainMs * left > threshold)) return this.none(`gain ${fmt(gainMs)} ms x ${left} iterations does not pay the ${fmt(costMs)} ms pause + bubble x ${1 + this.s.margin}`);
    this.pending = this.pending?.key === key ? { key, windows: this.pending.windows + 1 } : { key, windows: 1 };
    if (this.pending.windows < this.s.confirmWindows) return { action: 'none', reason: `plan [${next.partition.join(', ')}] pays in ${this.pending.windows} of ${this.s.confirmWindows} windows` };
    if (input.timeMs - this.lastChangeMs < this.s.dwellMs) return { action: 'none', reason: `dwell: ${fmt(input.timeMs - this.lastChangeMs)} of ${this.s.dwellMs} ms since the last change` };
    this.pending = undefined;
    return { action: 'repartition', plan: next, reason: `gain ${fmt(gainMs)} ms/iter x ${left} > pause + bubble ${fmt(costMs)} ms x ${1 + this.s.margin}` };
  }

  private none(reason: string): PolicyDecision {
    this.pending = undefined;
    return { action: 'none', reason };
  }
}
