/**
 * What the page draws: one vega-lite spec per panel, each built by the figure builder
 * `dynpipe figures` uses for its PNG (figures/catalog.ts), from the rows the stream delivered.
 * A panel whose figure has no data yet carries the figure's own reason instead. Pure.
 */
import type { TopLevelSpec } from 'vega-lite';
import { isDynpipeError } from '../../errors.js';
import { currentPlanSpec } from '../../../figures/specs/current-plan.js';
import { iterationTimeSpec } from '../../../figures/specs/iteration-time.js';
import { planChangesSpec } from '../../../figures/specs/plan-changes.js';
import { rankActivitySpec } from '../../../figures/specs/rank-activity.js';
import { timeToAccuracySpec } from '../../../figures/specs/time-to-accuracy.js';
import type { DashboardModel } from './model.js';

export type PanelId = 'plan' | 'iterations' | 'ranks' | 'loss' | 'plans';

export const PANEL_IDS: readonly PanelId[] = ['plan', 'iterations', 'ranks', 'loss', 'plans'];

export type Panel = { id: PanelId; spec: TopLevelSpec } | { id: PanelId; waiting: string };

/** Points per line the page aims at: microbatches per point = ceil(n / target), at least `min`. */
export function pointsWindow(n: number, target: number, min = 1): number {
  return Math.max(min, Math.ceil(n / target));
}

/** Microbatches averaged per point of the iteration-time and rank-activity panels for `model`. */
export function panelWindows(model: DashboardModel): { iterations: number; ranks: number } {
  const done = model.microbatchesDone - (model.run?.firstMicrobatch ?? 0);
  return { iterations: pointsWindow(done, 300), ranks: pointsWindow(done, 100, 20) };
}

function build(id: PanelId, f: () => TopLevelSpec): Panel {
  try {
    return { id, spec: f() };
  } catch (e) {
    if (isDynpipeError(e, 'E_DATA')) return { id, waiting: e.message.replace(/^figure [\w-]+: /, '') };
    return { id, waiting: `cannot draw: ${(e as Error).message}` };
  }
}

export function dashboardPanels(model: DashboardModel): Panel[] {
  const run = model.asRun();
  const w = panelWindows(model);
  const plan = model.plan;
  return [
    plan
      ? build('plan', () => currentPlanSpec([{ run: run.name, plan, slowdowns: model.decision?.slowdowns ?? null }]))
      : { id: 'plan', waiting: 'the plan arrives with the run' },
    build('iterations', () => iterationTimeSpec([run], w.iterations)),
    build('ranks', () => rankActivitySpec([run], w.ranks)),
    build('loss', () => timeToAccuracySpec([run])),
    build('plans', () => planChangesSpec([run])),
  ];
}
