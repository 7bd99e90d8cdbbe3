/**
 * From interference that really ran (job-clock start and end of each event) to the `interference`
 * rows of the rank logs: which ranks an event hits, at what level, and in which stage and plan
 * version the rank was when it began. Pure: events and log rows in, rows out.
 *
 * A cpu or membw event hits every rank pinned to one of its cores (an event without cores, or a
 * rank without a pin, hits nobody we can name); a net event hits its target rank; gpu events hit
 * no rank here (this launcher has no GPU placement).
 */
import type { InterfererSpec } from '../../predictor/mix.js';
import type { InterferenceLevel, InterferenceRow, RankLogRow } from '../log/rank-log.js';
import { isStep } from '../log/metrics.js';

/** An event as it ran: job-clock ms when its generator was up and when it was stopped. */
export interface AppliedInterference {
  spec: InterfererSpec;
  startMs: number;
  endMs: number;
}

/** intensity >= 0.75 is heavy, anything lighter light. */
export function interferenceLevel(intensity: number): InterferenceLevel {
  return intensity >= 0.75 ? 'heavy' : 'light';
}

/** Ranks hit by `spec`, ascending; `rankCores[r]` are rank r's pinned cores (undefined: none). */
export function ranksHit(spec: InterfererSpec, worldSize: number, rankCores?: readonly (readonly number[])[]): number[] {
  const ranks = Array.from({ length: worldSize }, (_, r) => r);
  switch (spec.kind) {
    case 'cpu':
    case 'membw':
      return ranks.filter((r) => rankCores?.[r]?.some((c) => spec.cores.includes(c)) ?? false);
    case 'net':
      return spec.rank < worldSize ? [spec.rank] : [];
    case 'gpu':
      return [];
  }
}

/**
 * One row per (event, rank hit), ordered by start time then rank. Stage and plan version are those
 * of the rank's last step row at or before the start (its first step row if it had none yet).
 * Events that never ran (endMs <= startMs) and ranks that logged no step give no row.
 */
export function interferenceRows(
  applied: readonly AppliedInterference[],
  rows: readonly RankLogRow[],
  worldSize: number,
  rankCores?: readonly (readonly number[])[],
): InterferenceRow[] {
  const steps = rows.filter(isStep).sort((a, b) => a.time_ms - b.time_ms);
  const out: InterferenceRow[] = [];
  for (const a of [...applied].sort((x, y) => x.startMs - y.startMs)) {
    if (!(a.endMs > a.startMs)) continue;
    for (const rank of ranksHit(a.spec, worldSize, rankCores)) {
      const mine = steps.filter((s) => s.rank === rank);
      const at = mine.filter((s) => s.time_ms <= a.startMs).at(-1) ?? mine[0];
      if (!at) continue;
      out.push({
        row: 'interference',
        time_ms: a.startMs,
        rank,
        stage: at.stage,
        plan_version: at.plan_version,
        duration_ms: a.endMs - a.startMs,
        level: interferenceLevel(a.spec.intensity),
      });
    }
  }
  return out;
}
