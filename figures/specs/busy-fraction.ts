/** Figure: busy fraction ((forward + backward + optimizer) / wall) of each rank, one bar per plan version. */
import type { TopLevelSpec } from 'vega-lite';
import { busyBars, type Run } from '../data.js';
import { PANEL, base } from './style.js';

export function busyFractionSpec(runs: readonly Run[]): TopLevelSpec {
  const bars = busyBars(runs);
  const several = new Set(bars.map((b) => b.run)).size > 1;
  return {
    ...base('Device busy fraction per rank', '(forward + backward + optimizer) / wall time, per plan version'),
    width: several ? Math.round(PANEL.width / 2) : PANEL.width,
    height: PANEL.height,
    data: { values: bars },
    mark: { type: 'bar' },
    name: 'bars',
    encoding: {
      x: { field: 'rank_label', type: 'nominal', title: 'Rank and its stage', axis: { labelAngle: 0, labelExpr: "split(datum.value, ' · ')" }, sort: { field: 'rank' } },
      xOffset: { field: 'plan', type: 'nominal', sort: { field: 'plan_version' } },
      y: { field: 'busy_fraction', type: 'quantitative', title: 'Busy fraction (%)', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
      color: { field: 'plan', type: 'nominal', title: 'Plan', sort: { field: 'plan_version' } },
      ...(several ? { column: { field: 'run', type: 'nominal', title: 'Run' } } : {}),
    },
  };
}
