/** The page's text lines (status, run, progress, plan, prediction, loss) and its table of plan changes, from the model. Pure. */
import type { DashboardModel } from './model.js';

export type FactId = 'status' | 'run' | 'progress' | 'plan' | 'prediction' | 'loss';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function factsOf(m: DashboardModel, connected: boolean): Record<FactId, string> {
  const run = m.run;
  const plan = m.plan;
  const d = m.decision;
  const loss = m.latestLoss;
  const status = m.end
    ? `${m.end.ok ? 'finished' : 'failed'}: ${m.end.message}`
    : !connected
      ? 'disconnected; reconnecting'
      : run?.source === 'replay'
        ? `replaying the logs at ${run.speed ?? 1}x real time`
        : run ? 'live' : 'waiting for the run';
  return {
    status,
    run: run ? `${run.model}, mode ${run.mode}, ${run.worldSize} rank${run.worldSize === 1 ? '' : 's'}, microbatch size ${run.microbatchSize}` : '',
    progress: run ? `microbatch ${m.microbatchesDone} of ${run.numMinibatches}` : '',
    plan: plan
      ? `v${plan.plan_version} [${plan.partition.join(', ')}]: ${plan.stage_ranks.map((rs, s) => `stage ${s} on rank${rs.length === 1 ? '' : 's'} ${rs.join(', ')}`).join('; ')} (${plan.source}, from ${seconds(plan.time_ms)})`
      : 'not known yet',
    prediction: d
      ? `${d.slowdowns.map((s, r) => `rank ${r} ×${s.toFixed(2)}`).join(', ')} at microbatch ${d.iteration}: ${d.action === 'repartition' ? 'repartition' : 'keep the plan'} (${d.reason})`
      : 'no decision yet (pipedream mode and --no-policy make none)',
    loss: loss ? `${loss.loss.toFixed(4)} at microbatch ${loss.microbatch}` : 'none yet',
  };
}

export const CHANGE_COLUMNS = ['plan', 'source', 'at', 'first microbatch', 'blocks per stage', 'pause'] as const;

/** One row per plan change, oldest first, cells in CHANGE_COLUMNS order. */
export function changeTable(m: DashboardModel): string[][] {
  return [...m.changes]
    .sort((a, b) => a.plan_version - b.plan_version)
    .map((c) => [
      `v${c.plan_version}`, c.source, seconds(c.time_ms), c.cut_at === undefined ? '' : String(c.cut_at),
      `[${c.from_partition.join(', ')}] → [${c.to_partition.join(', ')}]`, `${c.pause_ms.toFixed(1)} ms`,
    ]);
}
