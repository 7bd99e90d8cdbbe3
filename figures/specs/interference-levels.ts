/** Figure: mean iteration time per run without, under light and under heavy interference. */
import type { TopLevelSpec } from 'vega-lite';
import { levelBars, type Run } from '../data.js';
import { LEVEL_COLORS, PANEL, base } from './style.js';

const LEVELS = ['none', 'light', 'heavy'] as const;

export function interferenceLevelsSpec(runs: readonly Run[]): TopLevelSpec {
  const bars = levelBars(runs);
  const x = { field: 'run', type: 'nominal', title: 'Run', axis: { labelAngle: 0 } } as const;
  const xOffset = { field: 'level', type: 'nominal' as const, sort: [...LEVELS], scale: { domain: [...LEVELS] } };
  const y = { field: 'mean_iteration_ms', type: 'quantitative', title: 'Mean iteration time (ms)' } as const;
  return {
    ...base('Iteration time under interference', 'level in force when each iteration ended; label: iterations averaged'),
    width: PANEL.width,
    height: PANEL.height,
    data: { values: bars },
    layer: [
      {
        name: 'bars',
        mark: { type: 'bar' },
        encoding: {
          x,
          xOffset,
          y,
          color: {
            field: 'level',
            type: 'nominal',
            title: 'Interference',
            scale: { domain: [...LEVELS], range: LEVELS.map((l) => LEVEL_COLORS[l]) },
          },
        },
      },
      {
        name: 'counts',
        mark: { type: 'text', dy: -8, fontSize: 11 },
        encoding: { x, xOffset, y, text: { field: 'iterations', type: 'quantitative', format: 'd' } },
      },
    ],
  };
}
