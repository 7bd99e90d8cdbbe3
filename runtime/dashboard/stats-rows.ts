/**
 * What the coordinator hears, in the dashboard's stream format: a rank's per-microbatch stats as
 * the step row that rank writes to its log (same fields, same arithmetic, so a live page and the
 * log agree to the last bit), a plan change as repartition rows, the plan with its ranks, and a
 * policy decision. Pure: no I/O, no clock.
 */
import { type Plan, numStages, ranksOfStage } from '../plan/plan.js';
import type { RankStats } from '../coordinator/rank-stats.js';
import type { ChangeRecord } from '../coordinator/coordinator.js';
import type { DecisionRecord } from '../coordinator/policy-runner.js';
import type { RepartitionRow, StepRow } from '../log/rank-log.js';
import type { ChangeEvent, DecisionEvent, PlanEvent } from './events.js';

const TIMES = ['time_ms', 'forward_ms', 'backward_ms', 'recv_wait_ms', 'send_wait_ms', 'optimizer_ms'] as const;

const finiteAtLeastZero = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const count = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/**
 * The step row rank `rank` logged for these stats (runtime/worker/worker.ts writes both from the
 * same numbers), or undefined when the stats are malformed (they come off the wire unchecked).
 */
export function stepRowOf(rank: number, s: RankStats): StepRow | undefined {
  if (!count(s.mb) || !count(s.stage) || !(s.plan_version === undefined || count(s.plan_version)) || !TIMES.every((k) => finiteAtLeastZero(s[k]))) return undefined;
  if (!(typeof s.rows === 'number' && s.rows >= 0)) return undefined;
  // the worker's sum, in its order: the same float
  const busy = s.forward_ms + s.backward_ms + s.optimizer_ms + s.recv_wait_ms + s.send_wait_ms;
  return {
    row: 'step', time_ms: s.time_ms, rank, stage: s.stage, plan_version: s.plan_version ?? 0, iteration: s.mb, microbatch: s.mb,
    forward_ms: s.forward_ms, backward_ms: s.backward_ms, recv_wait_ms: s.recv_wait_ms, send_wait_ms: s.send_wait_ms, optimizer_ms: s.optimizer_ms,
    ...(typeof s.loss === 'number' && Number.isFinite(s.loss) ? { loss: s.loss } : {}),
    samples_per_s: busy > 0 ? (1000 * s.rows) / busy : 0,
  };
}

/** The plan with the ranks of each stage, in force from `timeMs`. */
export function planEventOf(plan: Plan, planVersion: number, timeMs: number, source: PlanEvent['source']): PlanEvent {
  return {
    plan_version: planVersion, partition: [...plan.partition], stage_ranks: Array.from({ length: numStages(plan) }, (_, s) => ranksOfStage(plan, s)),
    time_ms: Math.max(0, timeMs), source,
  };
}

/** When a change's pause began on the coordinator's clock: it ended at `timeMs`. */
function pauseStart(c: ChangeRecord): number {
  return Math.max(0, c.timeMs - c.pauseMs);
}

export function changeEventOf(c: ChangeRecord): ChangeEvent {
  return { plan_version: c.planVersion, source: c.source, from_partition: [...c.fromPartition], to_partition: [...c.toPartition], cut_at: c.cutAt, pause_ms: c.pauseMs, time_ms: pauseStart(c) };
}

/**
 * One repartition row per rank of the new plan, all with the coordinator's pause (the ranks log
 * their own pauses, which the coordinator does not hear): what the figures mark a change with.
 */
export function changeRows(c: ChangeRecord): RepartitionRow[] {
  const ranks = c.plan.partition.flatMap((_, s) => ranksOfStage(c.plan, s).map((rank) => ({ rank, stage: s })));
  return ranks.map(({ rank, stage }) => ({
    row: 'repartition', time_ms: pauseStart(c), rank, stage, plan_version: c.planVersion, iteration: c.cutAt, pause_ms: c.pauseMs,
    old_partition: [...c.fromPartition], new_partition: [...c.toPartition], detail: `${c.source} change; pause measured by the coordinator`,
  }));
}

export function decisionEventOf(d: DecisionRecord): DecisionEvent {
  return {
    time_ms: d.timeMs, iteration: d.iteration, plan_version: d.planVersion, action: d.action, slowdowns: [...d.slowdowns],
    current_ms_per_iter: d.currentMsPerIter, proposed_ms_per_iter: d.proposedMsPerIter, proposed_partition: [...d.proposedPartition], reason: d.reason,
  };
}
