/**
 * The plan in force as bars of blocks per rank: which contiguous blocks each rank holds, its stage,
 * and (when a predictor or the measured ratio supplied one) its predicted slowdown. The dashboard
 * gets the plan from the coordinator; a finished run's final plan is read back from its logs.
 */
import { DynpipeError } from '../runtime/errors.js';
import { isRepartition, repartitions } from '../runtime/log/metrics.js';
import { runLabels, type Run } from './data.js';

/** A plan as the figures need it: blocks per stage and the ranks of each stage (replicas: several). */
export interface PlanInForce {
  plan_version: number;
  partition: number[];
  /** stage_ranks[s]: ranks running stage s, ascending. */
  stage_ranks: number[][];
}

export interface PlanRankBar {
  run: string;
  plan_version: number;
  rank: number;
  /** "rank 1": the y-axis category. */
  rank_label: string;
  stage: number;
  /** The rank holds blocks [start_block, end_block). */
  start_block: number;
  end_block: number;
  blocks: number;
  /** Predicted compute-time multiplier of the rank (1 = unslowed); null when none was made. */
  predicted_slowdown: number | null;
  /** The text inside the bar, one line each: ["stage 1 · 3 blocks", "predicted ×1.85"] (no second line without a prediction). */
  label: string[];
}

/** One bar per rank (ascending), from the plan and, if known, one predicted slowdown per rank. */
export function planRankBars(run: string, plan: PlanInForce, slowdowns: readonly number[] | null): PlanRankBar[] {
  const bars: PlanRankBar[] = [];
  let start = 0;
  plan.partition.forEach((blocks, stage) => {
    for (const rank of plan.stage_ranks[stage] ?? []) {
      const s = slowdowns?.[rank];
      const predicted = typeof s === 'number' && Number.isFinite(s) ? s : null;
      const label = [`stage ${stage} · ${blocks} block${blocks === 1 ? '' : 's'}`, ...(predicted === null ? [] : [`predicted ×${predicted.toFixed(2)}`])];
      bars.push({ run, plan_version: plan.plan_version, rank, rank_label: `rank ${rank}`, stage, start_block: start, end_block: start + blocks, blocks, predicted_slowdown: predicted, label });
    }
    start += blocks;
  });
  return bars.sort((a, b) => a.rank - b.rank);
}

/**
 * A run's final plan from its logs: the partition of its last repartition and each rank's stage
 * under it, as its repartition rows say. The logs name a partition only where a repartition row
 * does, so a run that never repartitioned has no plan here (E_DATA).
 */
export function finalPlan(run: Run): PlanInForce {
  const moves = repartitions(run.rows);
  const last = moves[moves.length - 1];
  if (!last) throw new DynpipeError('E_DATA', `figure current-plan: run ${run.name} logged no repartition, so its logs do not name its partition`);
  const stage_ranks: number[][] = last.new_partition.map(() => []);
  for (const r of run.rows.filter(isRepartition)) {
    if (r.plan_version === last.plan_version && stage_ranks[r.stage] && !stage_ranks[r.stage].includes(r.rank)) stage_ranks[r.stage].push(r.rank);
  }
  const empty = stage_ranks.findIndex((rs) => rs.length === 0);
  if (empty >= 0) throw new DynpipeError('E_DATA', `figure current-plan: run ${run.name}: no repartition row of plan v${last.plan_version} places a rank on stage ${empty}`);
  return { plan_version: last.plan_version, partition: [...last.new_partition], stage_ranks: stage_ranks.map((rs) => rs.sort((a, b) => a - b)) };
}

/** The final plan of each run that repartitioned, with the run's label; E_DATA when none did. */
export function finalPlans(runs: readonly Run[]): Array<{ run: string; plan: PlanInForce }> {
  const labels = runLabels(runs);
  const out = runs.flatMap((r, i) => (repartitions(r.rows).length > 0 ? [{ run: labels[i], plan: finalPlan(r) }] : []));
  if (out.length === 0) throw new DynpipeError('E_DATA', 'figure current-plan: no run logged a repartition, so the logs name no partition');
  return out;
}
