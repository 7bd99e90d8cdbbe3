/**
 * Figure: each rank's iteration time and busy fraction over wall time (windows of microbatches,
 * ../rank-activity-data.ts), one line per rank, repartitions as dashed rules. The rank whose busy
 * fraction nears 100 % is the bottleneck; the others wait on it.
 */
import type { TopLevelSpec } from 'vega-lite';
import { repartitions } from '../../runtime/log/metrics.js';
import { runLabels, type Run } from '../data.js';
import { rankActivity, type RankActivityPoint } from '../rank-activity-data.js';
import { PANEL, REPARTITION_COLOR, base, type Layer } from './style.js';

const X = { field: 'time_s', type: 'quantitative', title: 'Wall time since job start (s)', scale: { zero: false } } as const;
const COLOR = { field: 'rank_label', type: 'nominal', title: 'Rank', sort: { field: 'rank' }, scale: { scheme: 'tableau10' } } as const;

type Chart = { title?: string; width: number; height: number; layer: Layer[] };

/** One chart: a line per rank of `field`, plus the run's repartitions; `name` keeps vega's mark names unique. */
function chart(name: string, points: RankActivityPoint[], moves: Array<{ time_s: number }>, y: Record<string, unknown>, title?: string): Chart {
  const layer: Layer[] = [
    { name, data: { values: points }, mark: { type: 'line', point: { size: 16 }, strokeWidth: 1.5 }, encoding: { x: X, y: { type: 'quantitative', ...y }, color: COLOR } },
  ];
  if (moves.length > 0) {
    layer.push({ name: `${name}_changes`, data: { values: moves }, mark: { type: 'rule', color: REPARTITION_COLOR, strokeWidth: 2, strokeDash: [5, 3] }, encoding: { x: X } });
  }
  return { ...(title === undefined ? {} : { title }), width: PANEL.width, height: Math.round(PANEL.height * 0.6), layer };
}

export function rankActivitySpec(runs: readonly Run[], windowMicrobatches: number): TopLevelSpec {
  const points = rankActivity(runs, windowMicrobatches);
  const labels = runLabels(runs);
  const several = runs.length > 1;
  const charts = runs.flatMap((r, i) => {
    const mine = points.filter((p) => p.run === labels[i]);
    if (mine.length === 0) return [];
    const moves = repartitions(r.rows).map((m) => ({ time_s: m.time_ms / 1000 }));
    return [
      chart(`rank_iterations_${i}`, mine, moves, { field: 'iteration_ms', title: 'Iteration time (ms)', scale: { zero: false } }, several ? `${labels[i]}: iteration time` : undefined),
      chart(`rank_busy_${i}`, mine, moves, { field: 'busy_fraction', title: 'Busy fraction (%)', axis: { format: '.0%' }, scale: { zero: true } }, several ? `${labels[i]}: busy fraction` : undefined),
    ];
  });
  const per = windowMicrobatches === 1 ? 'each microbatch' : `mean of ${windowMicrobatches} microbatches`;
  return {
    ...base('Per-rank iteration time and busy fraction', `${per}; busy = (forward + backward + optimizer) / wall time; dashed: repartition`),
    vconcat: charts,
    resolve: { scale: { x: 'shared', color: 'shared' } },
  };
}
