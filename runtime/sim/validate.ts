/**
 * Simulated vs measured: the time per microbatch at the last stage, window by window.
 *
 * Both runs' step rows give the completion time of each microbatch at the last stage
 * (runtime/log/metrics.ts: lastStageCompletions); with completions c_0 <= c_1 <= ... window w
 * covers completions (wK, (w + 1)K] and takes (c_{(w+1)K} - c_{wK}) / K ms per microbatch, so
 * start-up and pipeline fill (before c_0) count in neither. For 1f1b, where every microbatch is an
 * optimizer step, this is the iteration time. Windows the shorter run lacks are left out.
 */
import { DynpipeError } from '../errors.js';
import { lastStageCompletions } from '../log/metrics.js';
import type { RankLogRow } from '../log/rank-log.js';

export interface WindowComparison {
  readonly window: number;
  /** Completions the window spans: (firstCompletion, lastCompletion]. */
  readonly firstCompletion: number;
  readonly lastCompletion: number;
  readonly measuredMs: number;
  readonly simulatedMs: number;
  /** (simulated - measured) / measured. */
  readonly relativeError: number;
}

/** ms per microbatch of each full window of `k` completions. */
export function windowTimes(completions: readonly number[], k: number): number[] {
  const out: number[] = [];
  for (let w = 0; (w + 1) * k < completions.length; w++) out.push((completions[(w + 1) * k] - completions[w * k]) / k);
  return out;
}

/** The comparison table (module comment); E_USAGE for a bad window, E_DATA when either run has no full window. */
export function compareRuns(measured: readonly RankLogRow[], simulated: readonly RankLogRow[], windowMicrobatches: number): WindowComparison[] {
  if (!(Number.isInteger(windowMicrobatches) && windowMicrobatches >= 1)) throw new DynpipeError('E_USAGE', `validation window must be an integer >= 1, got ${windowMicrobatches}`);
  const m = windowTimes(lastStageCompletions(measured), windowMicrobatches);
  const s = windowTimes(lastStageCompletions(simulated), windowMicrobatches);
  const n = Math.min(m.length, s.length);
  if (n === 0) throw new DynpipeError('E_DATA', `validation: fewer than ${windowMicrobatches + 1} microbatches completed at the last stage (measured ${m.length} windows, simulated ${s.length})`);
  return Array.from({ length: n }, (_, w) => ({
    window: w,
    firstCompletion: w * windowMicrobatches,
    lastCompletion: (w + 1) * windowMicrobatches,
    measuredMs: m[w],
    simulatedMs: s[w],
    relativeError: (s[w] - m[w]) / m[w],
  }));
}

/** The table as markdown, plus a line with the mean absolute error and the worst window. */
export function formatComparison(rows: readonly WindowComparison[]): string {
  const lines = ['| window | completions | measured ms/mb | simulated ms/mb | error |', '|---:|---|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(`| ${r.window} | ${r.firstCompletion}-${r.lastCompletion} | ${r.measuredMs.toFixed(2)} | ${r.simulatedMs.toFixed(2)} | ${(100 * r.relativeError).toFixed(1)} % |`);
  }
  const mean = rows.reduce((s, r) => s + Math.abs(r.relativeError), 0) / rows.length;
  const worst = rows.reduce((a, b) => (Math.abs(b.relativeError) > Math.abs(a.relativeError) ? b : a));
  lines.push('', `mean |error| ${(100 * mean).toFixed(1)} %, worst window ${worst.window} at ${(100 * worst.relativeError).toFixed(1)} %`);
  return lines.join('\n') + '\n';
}
