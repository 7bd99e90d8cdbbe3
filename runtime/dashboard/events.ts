/**
 * The dashboard's stream: what a running job (or a replay of its logs) tells the page. The page
 * rebuilds the figures' inputs from it, so the stream carries log rows in THE rank-log format
 * (runtime/log/rank-log.ts) plus what the logs do not hold: the plan with its ranks, the
 * controller's decisions (predicted slowdowns) and the coordinator's record of each change.
 *
 * Order: `run` first, then the plan in force, then anything; `end` last. Every event is one JSON
 * object on one line (server-sent events `data:` lines). Types only, plus pure helpers: the
 * browser page imports this module too.
 */
import type { PlanInForce } from '../../figures/plan-data.js';
import type { RankLogRow } from '../log/rank-log.js';

export interface RunInfo {
  /** A short name of the run: the page's title and the figures' run label. */
  name: string;
  model: string;
  mode: string;
  microbatchSize: number;
  worldSize: number;
  /** Microbatches [firstMicrobatch, numMinibatches) are trained. */
  firstMicrobatch: number;
  numMinibatches: number;
  /** 'live': a running job; 'replay': a finished run's logs, at `speed` times real time. */
  source: 'live' | 'replay';
  speed?: number;
}

/** The plan in force from `time_ms` on (job clock); `source` says what moved to it. */
export interface PlanEvent extends PlanInForce {
  time_ms: number;
  source: 'initial' | 'scripted' | 'admin' | 'policy' | 'logged';
}

/** One window decision of the repartitioning policy (runtime/coordinator/policy.ts). */
export interface DecisionEvent {
  time_ms: number;
  iteration: number;
  plan_version: number;
  action: 'repartition' | 'none';
  /** Predicted slowdown of each rank (1 = unslowed). */
  slowdowns: number[];
  current_ms_per_iter: number;
  proposed_ms_per_iter: number;
  proposed_partition: number[];
  reason: string;
}

/** A plan change as the coordinator measured it (live), or as the rank logs record it (replay). */
export interface ChangeEvent {
  plan_version: number;
  source: PlanEvent['source'];
  from_partition: number[];
  to_partition: number[];
  /** First microbatch under the new plan (absent when the logs do not say). */
  cut_at?: number;
  /** Live: stage 0 drained -> every rank resumed, on the coordinator's clock. Replay: the longest rank pause. */
  pause_ms: number;
  /** When the pause began (job clock). */
  time_ms: number;
}

export interface EndEvent {
  ok: boolean;
  /** One line: the run's summary, or why it failed. */
  message: string;
}

export type DashboardEvent =
  | { kind: 'run'; run: RunInfo }
  | { kind: 'plan'; plan: PlanEvent }
  | { kind: 'rows'; rows: RankLogRow[] }
  | { kind: 'decision'; decision: DecisionEvent }
  | { kind: 'change'; change: ChangeEvent }
  | { kind: 'end'; end: EndEvent };

export type DashboardEventKind = DashboardEvent['kind'];

/** One server-sent event frame carrying `e` (JSON has no raw newlines, so one `data:` line). */
export function sseFrame(e: DashboardEvent): string {
  return `data: ${JSON.stringify(e)}\n\n`;
}
