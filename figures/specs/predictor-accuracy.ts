/** Figure: predicted vs measured slowdown of each interference window, with the predictor's MAPE in the title. */
import type { TopLevelSpec } from 'vega-lite';
import { predictorAccuracy, type Run } from '../data.js';
import { LEVEL_COLORS, PANEL, base } from './style.js';

export function predictorAccuracySpec(runs: readonly Run[]): TopLevelSpec {
  const { points, mape_percent } = predictorAccuracy(runs);
  const values = points.flatMap((p) => [p.predicted, p.measured]);
  const lo = Math.min(1, ...values);
  const hi = Math.max(...values) * 1.05;
  const axis = (title: string) => ({ type: 'quantitative' as const, title, scale: { domain: [lo, hi] } });
  return {
    ...base(
      `Predictor accuracy: MAPE ${mape_percent.toFixed(1)}% over ${points.length} window${points.length === 1 ? '' : 's'}`,
      'slowdown = compute time per step under interference / before it; dashed: perfect prediction',
    ),
    width: PANEL.height + 80,
    height: PANEL.height + 80,
    layer: [
      {
        name: 'ideal',
        data: { values: [{ from: lo, to: hi }] },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#777' },
        encoding: { x: { field: 'from', ...axis('Predicted slowdown (×)') }, y: { field: 'from', ...axis('Measured slowdown (×)') }, x2: { field: 'to' }, y2: { field: 'to' } },
      },
      {
        name: 'windows',
        data: { values: points },
        mark: { type: 'point', filled: true, size: 90, opacity: 0.85 },
        encoding: {
          x: { field: 'predicted', ...axis('Predicted slowdown (×)') },
          y: { field: 'measured', ...axis('Measured slowdown (×)') },
          color: { field: 'level', type: 'nominal', title: 'Interference', scale: { domain: ['light', 'heavy'], range: [LEVEL_COLORS.light, LEVEL_COLORS.heavy] } },
          shape: { field: 'run', type: 'nominal', title: 'Run' },
        },
      },
    ],
  };
}
