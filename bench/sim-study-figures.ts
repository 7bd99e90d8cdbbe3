/**
 * Vega-lite specs of the simulator's scale study (bench/sim-study.ts): throughput over time per
 * mode, one panel per scale, interference shaded; recovery (throughput under interference over
 * the quiet throughput) per mode against the number of ranks; and the time each mode takes for the
 * whole job, relative to the static plan. Set in the figures' shared style.
 */
import type { TopLevelSpec } from 'vega-lite';
import { base, LEVEL_COLORS } from '../figures/specs/style.js';

export interface ThroughputPoint {
  readonly ranks: number;
  readonly mode: string;
  /** Middle of the time bin, s. */
  readonly t_s: number;
  /** Relative to the same scale's pipedream throughput before any interference. */
  readonly throughput: number;
}

export interface InterferenceSpan {
  readonly start_s: number;
  readonly end_s: number;
  readonly label: string;
}

export interface RecoveryPoint {
  readonly ranks: number;
  readonly mode: string;
  readonly phase: string;
  readonly recovery: number;
}

const MODE_ORDER = ['pipedream', 'simple', 'dynpipe-re', 'dynpipe'];

export function throughputOverTimeSpec(points: readonly ThroughputPoint[], spans: readonly InterferenceSpan[]): TopLevelSpec {
  return {
    ...base('Simulated throughput over time', 'completions per 5 s, relative to the static plan before interference; shaded: rank 3 at 2x, then rank 5 at 1.5x'),
    data: { values: points.map((p) => ({ ...p })) },
    facet: { row: { field: 'ranks', type: 'ordinal', title: 'ranks', sort: 'ascending' } },
    spec: {
      width: 560,
      height: 140,
      layer: [
        {
          data: { values: spans.map((s) => ({ ...s })) },
          mark: { type: 'rect', color: LEVEL_COLORS.heavy, opacity: 0.12 },
          encoding: { x: { field: 'start_s', type: 'quantitative' }, x2: { field: 'end_s' } },
        },
        {
          mark: { type: 'line', strokeWidth: 1.5, interpolate: 'step-after' },
          encoding: {
            x: { field: 't_s', type: 'quantitative', title: 'simulated time (s)' },
            y: { field: 'throughput', type: 'quantitative', title: 'throughput', scale: { domain: [0, 1.1] } },
            color: { field: 'mode', type: 'nominal', title: 'mode', sort: MODE_ORDER },
          },
        },
      ],
    },
    resolve: { scale: { x: 'shared' } },
  } as TopLevelSpec;
}

export function recoverySpec(points: readonly RecoveryPoint[]): TopLevelSpec {
  return {
    ...base('Recovery under interference', 'throughput in the second half of each interference phase / quiet throughput of the static plan'),
    data: { values: points.map((p) => ({ ...p })) },
    facet: { column: { field: 'phase', type: 'nominal', title: null } },
    spec: {
      width: 300,
      height: 240,
      mark: { type: 'line', point: true, strokeWidth: 2 },
      encoding: {
        x: { field: 'ranks', type: 'quantitative', title: 'ranks', scale: { type: 'log', base: 2 }, axis: { values: [8, 32, 128, 512] } },
        y: { field: 'recovery', type: 'quantitative', title: 'relative throughput', scale: { domain: [0, 1.1] } },
        color: { field: 'mode', type: 'nominal', title: 'mode', sort: MODE_ORDER },
      },
    },
  } as TopLevelSpec;
}

export interface JobTimePoint {
  readonly ranks: number;
  readonly mode: string;
  /** Job duration over the static plan's at the same scale. */
  readonly relative: number;
}

export function jobTimeSpec(points: readonly JobTimePoint[]): TopLevelSpec {
  return {
    ...base('Time to train the job', 'simulated duration of the whole job (1,000 microbatches), relative to the static plan at the same scale'),
    width: 560,
    height: 260,
    data: { values: points.map((p) => ({ ...p })) },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'ranks', type: 'ordinal', title: 'ranks', axis: { labelAngle: 0 } },
          xOffset: { field: 'mode', type: 'nominal', sort: MODE_ORDER },
          y: { field: 'relative', type: 'quantitative', title: 'duration / static plan' },
          color: { field: 'mode', type: 'nominal', title: 'mode', sort: MODE_ORDER },
        },
      },
      { mark: { type: 'rule', color: '#333', strokeDash: [4, 3] }, encoding: { y: { datum: 1 } } },
    ],
  } as TopLevelSpec;
}
