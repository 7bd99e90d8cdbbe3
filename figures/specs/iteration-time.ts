/**
 * Figure: iteration time over wall time, one panel per run; interference windows shaded by level,
 * each repartition a vertical rule labelled with the plan it moved to and its pause.
 */
import type { TopLevelSpec } from 'vega-lite';
import { timelines, type Run, type RunTimeline } from '../data.js';
import { LEVEL_COLORS, PANEL, REPARTITION_COLOR, base, type Layer } from './style.js';

const X_TITLE = 'Wall time since job start (s)';
const LABEL_ROW_PX = 14;

/** One run's layered panel; vega needs mark names unique across panels, hence `id` in each name. */
function panel(t: RunTimeline, id: number, withTitle: boolean): { title?: string; width: number; height: number; layer: Layer[] } {
  const x = { field: 'time_s', type: 'quantitative' as const, title: X_TITLE, scale: { zero: false } };
  const layers: Layer[] = [];
  if (t.shading.length > 0) {
    layers.push({
      name: `interference_${id}`,
      data: { values: t.shading },
      mark: { type: 'rect', opacity: 0.3 },
      encoding: {
        x: { field: 'start_s', type: 'quantitative', title: X_TITLE, scale: { zero: false } },
        x2: { field: 'end_s' },
        color: {
          field: 'level',
          type: 'nominal',
          title: 'Interference',
          scale: { domain: ['light', 'heavy'], range: [LEVEL_COLORS.light, LEVEL_COLORS.heavy] },
        },
      },
    });
  }
  layers.push({
    name: `iterations_${id}`,
    data: { values: t.iterations },
    mark: { type: 'line', point: { size: 20 }, color: '#333', strokeWidth: 1.5 },
    encoding: { x, y: { field: 'iteration_ms', type: 'quantitative', title: 'Iteration time (ms)' } },
  });
  if (t.repartitions.length > 0) {
    layers.push(
      {
        name: `repartitions_${id}`,
        data: { values: t.repartitions },
        mark: { type: 'rule', color: REPARTITION_COLOR, strokeWidth: 2, strokeDash: [5, 3] },
        encoding: { x },
      },
      {
        name: `repartition_labels_${id}`,
        // labels of nearby repartitions would overlap on one line: they step up through three rows (pixels, no scale)
        data: { values: t.repartitions.map((p, i) => ({ ...p, label_y: PANEL.height - 4 - LABEL_ROW_PX * (i % 3) })) },
        mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, color: REPARTITION_COLOR, fontSize: 11 },
        encoding: { x, y: { field: 'label_y', type: 'quantitative', scale: null }, text: { field: 'label' } },
      },
    );
  }
  return { ...(withTitle ? { title: t.run } : {}), width: PANEL.width, height: PANEL.height, layer: layers };
}

export function iterationTimeSpec(runs: readonly Run[], windowIterations = 1): TopLevelSpec {
  const lines = timelines(runs, windowIterations);
  const title = 'Iteration time, interference and repartitions';
  const subtitle = `${windowIterations === 1 ? 'each iteration' : `mean of ${windowIterations} iterations`}; shaded: interference; dashed: repartition`;
  if (lines.length === 1) return { ...base(title, subtitle), ...panel(lines[0], 0, false) };
  // shared axes so runs compare at a glance
  return { ...base(title, subtitle), vconcat: lines.map((t, i) => panel(t, i, true)), resolve: { scale: { x: 'shared', y: 'shared' } } };
}
