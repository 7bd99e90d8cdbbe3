/**
 * Figure: the plan in force as one bar per rank over the model's blocks (coloured by stage),
 * labelled with the rank's stage, block count and predicted slowdown. The dashboard draws it live
 * from the coordinator's plan and predictions; offline it shows a run's final plan.
 */
import type { TopLevelSpec } from 'vega-lite';
import { planRankBars, type PlanInForce } from '../plan-data.js';
import { PANEL, base, type Layer } from './style.js';

export interface PlanEntry {
  run: string;
  plan: PlanInForce;
  /** One predicted slowdown per rank, or null when no prediction was made. */
  slowdowns: readonly number[] | null;
}

type Panel = { title?: string; width: number; height: number; layer: Layer[] };

/** One plan's panel; `id` keeps vega's mark names unique across panels. */
function panel(e: PlanEntry, id: number, withTitle: boolean): Panel {
  const bars = planRankBars(e.run, e.plan, e.slowdowns);
  const total = e.plan.partition.reduce((a, b) => a + b, 0);
  const y = { field: 'rank_label', type: 'nominal', title: 'Rank', sort: { field: 'rank' } } as const;
  return {
    ...(withTitle ? { title: `${e.run}: plan v${e.plan.plan_version} [${e.plan.partition.join(', ')}]` } : {}),
    width: PANEL.width,
    height: Math.max(60, bars.length * 46),
    layer: [
      {
        name: `ranks_${id}`,
        data: { values: bars },
        mark: { type: 'bar', stroke: 'white', strokeWidth: 2 },
        encoding: {
          y,
          x: { field: 'start_block', type: 'quantitative', title: 'Blocks, in model order', scale: { domain: [0, total] }, axis: { format: 'd', tickMinStep: 1 } },
          x2: { field: 'end_block' },
          color: { field: 'stage', type: 'ordinal', title: 'Stage', scale: { scheme: 'tableau10' } },
        },
      },
      {
        name: `rank_labels_${id}`,
        data: { values: bars.map((b) => ({ ...b, middle: (b.start_block + b.end_block) / 2 })) },
        mark: { type: 'text', color: 'white', fontWeight: 'bold', fontSize: 11, lineHeight: 14 },
        encoding: { y, x: { field: 'middle', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
}

export function currentPlanSpec(entries: readonly PlanEntry[]): TopLevelSpec {
  const subtitle = 'bar: the blocks each rank holds; label: its stage, blocks and predicted slowdown (×, compute time over unslowed)';
  if (entries.length === 1) {
    const p = entries[0].plan;
    return { ...base(`Plan v${p.plan_version}: blocks per stage [${p.partition.join(', ')}]`, subtitle), ...panel(entries[0], 0, false) };
  }
  return { ...base('Plan in force', subtitle), vconcat: entries.map((e, i) => panel(e, i, true)) };
}
