/**
 * Per-rank activity over time: each rank's iteration time and busy fraction, window by window, so
 * the bottleneck stage shows as the rank whose busy fraction nears 1. Pure: rows in, points out.
 *
 * For one rank under one plan version, with step rows s_0, s_1, ... in time order and a window of
 * k rows, window j covers rows s_{jk+1} .. s_{(j+1)k} and starts where the previous window ended,
 * at s_{jk} (the rows of a window and the span they fill, with no gap between windows):
 *   span            = time(s_{(j+1)k}) - time(s_{jk})
 *   iteration_ms    = span / k                      (time between two completions on this rank)
 *   busy_fraction   = sum of compute over the window's rows / span   (metrics.ts: busyFraction)
 * A partial last window is dropped; a repartition starts new windows (its pause is in none).
 */
import { DynpipeError } from '../runtime/errors.js';
import { busyFraction, isStep } from '../runtime/log/metrics.js';
import type { StepRow } from '../runtime/log/rank-log.js';
import { runLabels, type Run } from './data.js';

export interface RankActivityPoint {
  run: string;
  rank: number;
  /** "rank 1": the colour category. */
  rank_label: string;
  plan_version: number;
  /** End of the window (its last step row), seconds since job start. */
  time_s: number;
  iteration_ms: number;
  busy_fraction: number;
}

function groups(steps: readonly StepRow[]): StepRow[][] {
  const out = new Map<string, StepRow[]>();
  for (const s of steps) {
    const key = `${s.rank}/${s.plan_version}`;
    const list = out.get(key);
    if (list) list.push(s);
    else out.set(key, [s]);
  }
  return [...out.values()].map((g) => g.sort((a, b) => a.time_ms - b.time_ms));
}

/** Windows of `windowMicrobatches` step rows per rank and plan version (module comment), by rank then time. */
export function rankActivity(runs: readonly Run[], windowMicrobatches: number): RankActivityPoint[] {
  if (!Number.isInteger(windowMicrobatches) || windowMicrobatches < 1) {
    throw new DynpipeError('E_USAGE', `rank-activity window must be an integer >= 1, got ${windowMicrobatches}`);
  }
  const k = windowMicrobatches;
  const labels = runLabels(runs);
  const points = runs.flatMap((r, i) =>
    groups(r.rows.filter(isStep)).flatMap((rows) => {
      const out: RankActivityPoint[] = [];
      for (let j = 0; (j + 1) * k < rows.length; j++) {
        const window = rows.slice(j * k, (j + 1) * k + 1);
        const last = window[window.length - 1];
        const span = last.time_ms - window[0].time_ms;
        const busy = busyFraction(window);
        if (busy === null || span <= 0) continue;
        out.push({ run: labels[i], rank: last.rank, rank_label: `rank ${last.rank}`, plan_version: last.plan_version, time_s: last.time_ms / 1000, iteration_ms: span / k, busy_fraction: busy });
      }
      return out;
    }),
  );
  if (points.length === 0) throw new DynpipeError('E_DATA', `figure rank-activity: the logs have no rank with more than ${k} step rows under one plan`);
  return points.sort((a, b) => a.rank - b.rank || a.time_s - b.time_s);
}
