/** Figure: throughput (samples/s) of each run, grouped by model, one bar per mode. */
import type { TopLevelSpec } from 'vega-lite';
import { throughputBars, type Run } from '../data.js';
import { PANEL, base } from './style.js';

export function throughputSpec(runs: readonly Run[]): TopLevelSpec {
  const bars = throughputBars(runs);
  const encoding = {
    x: { field: 'model', type: 'nominal', title: 'Model', axis: { labelAngle: 0 } },
    xOffset: { field: 'mode', type: 'nominal' },
    y: { field: 'samples_per_s', type: 'quantitative', title: 'Throughput (samples/s)' },
  } as const;
  return {
    ...base('Training throughput', 'steady state: last-stage microbatch completions after the first'),
    width: PANEL.width,
    height: PANEL.height,
    data: { values: bars },
    encoding,
    layer: [
      { name: 'bars', mark: { type: 'bar' }, encoding: { color: { field: 'mode', type: 'nominal', title: 'Mode' } } },
      {
        name: 'values',
        mark: { type: 'text', dy: -8, fontSize: 12 },
        encoding: { text: { field: 'samples_per_s', type: 'quantitative', format: '.1f' } },
      },
    ],
  };
}
