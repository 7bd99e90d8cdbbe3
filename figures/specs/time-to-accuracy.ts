/**
 * Figure: training progress over wall time, one line per run: eval accuracy (with the summaries'
 * target accuracy as a dashed line), or loss when no run logged accuracy.
 */
import type { TopLevelSpec } from 'vega-lite';
import { progressSeries, type Run } from '../data.js';
import { PANEL, base, type Layer } from './style.js';

const TITLES = {
  accuracy: ['Time to accuracy', 'Eval accuracy (%)'],
  'eval loss': ['Eval loss over time', 'Eval loss'],
  'training loss': ['Training loss over time', 'Training loss (last stage)'],
} as const;

export function timeToAccuracySpec(runs: readonly Run[]): TopLevelSpec {
  const series = progressSeries(runs);
  const [title, yTitle] = TITLES[series.metric];
  const isAccuracy = series.metric === 'accuracy';
  const lines: Layer = {
    name: 'progress',
    data: { values: series.points },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: 'time_s', type: 'quantitative', title: 'Wall time since job start (s)' },
      y: {
        field: 'value',
        type: 'quantitative',
        title: yTitle,
        ...(isAccuracy ? { axis: { format: '.0%' }, scale: { domain: [0, 1] } } : { scale: { zero: false } }),
      },
      color: { field: 'run', type: 'nominal', title: 'Run' },
    },
  };
  const layers: Layer[] = [lines];
  if (series.target !== null) {
    layers.push({
      name: 'target',
      data: { values: [{ target: series.target }] },
      mark: { type: 'rule', strokeDash: [6, 4], color: '#555' },
      encoding: { y: { field: 'target', type: 'quantitative' } },
    });
  }
  const subtitle = series.target === null ? undefined : `dashed: target accuracy ${(series.target * 100).toFixed(1)}%`;
  return { ...base(title, subtitle), width: PANEL.width, height: PANEL.height, layer: layers };
}
