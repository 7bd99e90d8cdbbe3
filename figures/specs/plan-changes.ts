/** Figure: blocks per stage of the initial plan and after each repartition, one bar per plan, one panel per run. */
import type { TopLevelSpec } from 'vega-lite';
import { planSegments, type PlanSegment, type Run } from '../data.js';
import { PANEL, base, type Layer } from './style.js';

/** One run's panel; vega needs mark names unique across panels, hence `id` in each name. */
function panel(segments: PlanSegment[], id: number, title: string | null): { title?: string; width: number; height: number; layer: Layer[] } {
  const y = { field: 'plan', type: 'nominal', title: 'Plan', sort: { field: 'order' } } as const;
  const plans = new Set(segments.map((s) => s.plan)).size;
  return {
    ...(title === null ? {} : { title }),
    width: PANEL.width,
    height: Math.max(60, plans * 44),
    layer: [
      {
        name: `stages_${id}`,
        data: { values: segments },
        mark: { type: 'bar', stroke: 'white', strokeWidth: 2 },
        encoding: {
          y,
          x: { field: 'start_block', type: 'quantitative', title: 'Blocks, in model order', axis: { format: 'd', tickMinStep: 1 } },
          x2: { field: 'end_block' },
          color: { field: 'stage', type: 'ordinal', title: 'Stage', scale: { scheme: 'tableau10' } },
        },
      },
      {
        name: `block_counts_${id}`,
        data: { values: segments.map((s) => ({ ...s, middle: (s.start_block + s.end_block) / 2 })) },
        mark: { type: 'text', color: 'white', fontWeight: 'bold', fontSize: 12 },
        encoding: { y, x: { field: 'middle', type: 'quantitative' }, text: { field: 'blocks', type: 'quantitative' } },
      },
    ],
  };
}

export function planChangesSpec(runs: readonly Run[]): TopLevelSpec {
  const segments = planSegments(runs);
  const byRun = [...new Set(segments.map((s) => s.run))].map((run) => ({ run, segments: segments.filter((s) => s.run === run) }));
  const title = 'Plan before and after each repartition';
  const subtitle = 'bar: the model’s blocks split into stages; label: blocks in the stage';
  if (runs.length === 1) return { ...base(title, subtitle), ...panel(byRun[0].segments, 0, null) };
  return { ...base(title, subtitle), vconcat: byRun.map((r, i) => panel(r.segments, i, r.run)) };
}
