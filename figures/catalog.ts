/**
 * The one list of figures: name (as given to `dynpipe figures`), what it shows, and its spec builder.
 * Spec builders are pure and import nothing from Node, so the dashboard page (runtime/dashboard/)
 * builds the very same specs in the browser and renders them with vega-embed.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Run } from './data.js';
import { finalPlans } from './plan-data.js';
import { busyFractionSpec } from './specs/busy-fraction.js';
import { currentPlanSpec } from './specs/current-plan.js';
import { interferenceLevelsSpec } from './specs/interference-levels.js';
import { iterationTimeSpec } from './specs/iteration-time.js';
import { planChangesSpec } from './specs/plan-changes.js';
import { predictorAccuracySpec } from './specs/predictor-accuracy.js';
import { rankActivitySpec } from './specs/rank-activity.js';
import { throughputSpec } from './specs/throughput.js';
import { timeToAccuracySpec } from './specs/time-to-accuracy.js';

export interface FigureOptions {
  /** Iterations (microbatches) averaged per point of the iteration-time and rank-activity figures. */
  windowIterations: number;
}

export interface FigureEntry {
  name: string;
  description: string;
  /** Throws E_DATA naming what the runs lack when they cannot make this figure. */
  build(runs: readonly Run[], options: FigureOptions): TopLevelSpec;
}

export const FIGURES: readonly FigureEntry[] = [
  { name: 'time-to-accuracy', description: 'eval accuracy (or loss) vs wall time per run', build: (runs) => timeToAccuracySpec(runs) },
  { name: 'throughput', description: 'throughput bars per model and mode (needs summary.json)', build: (runs) => throughputSpec(runs) },
  { name: 'busy-fraction', description: 'busy fraction per rank and plan version', build: (runs) => busyFractionSpec(runs) },
  {
    name: 'iteration-time',
    description: 'iteration time over time, interference shaded, repartitions marked',
    build: (runs, o) => iterationTimeSpec(runs, o.windowIterations),
  },
  { name: 'interference-levels', description: 'mean iteration time without, under light and heavy interference', build: (runs) => interferenceLevelsSpec(runs) },
  { name: 'predictor-accuracy', description: 'predicted vs measured slowdown with MAPE', build: (runs) => predictorAccuracySpec(runs) },
  { name: 'plan-changes', description: 'blocks per stage before and after each repartition', build: (runs) => planChangesSpec(runs) },
  { name: 'rank-activity', description: 'per-rank iteration time and busy fraction over time', build: (runs, o) => rankActivitySpec(runs, o.windowIterations) },
  {
    name: 'current-plan',
    description: 'the final plan: blocks per rank and stage (runs that repartitioned)',
    build: (runs) => currentPlanSpec(finalPlans(runs).map((p) => ({ ...p, slowdowns: null }))),
  },
];

export function findFigure(name: string): FigureEntry | undefined {
  return FIGURES.find((f) => f.name === name);
}
