/**
 * Metrics of the repartitioning benchmark, computed from rank logs (runtime/log). Pure.
 *
 * A run's progress is the completion time of each microbatch at the last stage (the rows that
 * carry a loss; with a replicated last stage, the latest replica's). Throughput over a microbatch
 * range [a, b) is (completions - 1) · samples / (last time - first time): the steady rate between
 * the first and the last completion, which ignores how long the range took to start.
 */
import type { RankLogRow } from '../runtime/log/rank-log.js';

export interface Completion {
  mb: number;
  timeMs: number;
}

/** Last-stage completions by microbatch, ascending. */
export function completions(rows: readonly RankLogRow[]): Completion[] {
  const latest = new Map<number, number>();
  for (const r of rows) if (r.row === 'step' && r.loss !== undefined) latest.set(r.microbatch, Math.max(latest.get(r.microbatch) ?? 0, r.time_ms));
  return [...latest].map(([mb, timeMs]) => ({ mb, timeMs })).sort((x, y) => x.mb - y.mb);
}

/** Samples per second over microbatches [fromMb, toMb); NaN with fewer than two completions. */
export function rangeThroughput(c: readonly Completion[], fromMb: number, toMb: number, samplesPerMb: number): number {
  const inRange = c.filter((x) => x.mb >= fromMb && x.mb < toMb);
  if (inRange.length < 2) return NaN;
  const span = inRange[inRange.length - 1].timeMs - inRange[0].timeMs;
  return span > 0 ? ((inRange.length - 1) * samplesPerMb * 1000) / span : NaN;
}

/** Throughput in bins of `binMs` of the job clock: samples completed in each bin / bin length. */
export function throughputBins(c: readonly Completion[], binMs: number, samplesPerMb: number): Array<{ timeS: number; samplesPerS: number }> {
  if (c.length === 0) return [];
  const last = Math.max(...c.map((x) => x.timeMs));
  const bins = new Array<number>(Math.floor(last / binMs) + 1).fill(0);
  for (const x of c) bins[Math.floor(x.timeMs / binMs)] += samplesPerMb;
  return bins.map((samples, i) => ({ timeS: (i * binMs) / 1000, samplesPerS: (samples * 1000) / binMs }));
}

/**
 * Ms from the completion of microbatch `fromMb` until the run sustains `target` samples/s for the
 * rest of [fromMb, toMb): the end of the last window of `windowMbs` consecutive microbatches that
 * falls below it (0 if none does); undefined if the last window of the range is still below.
 */
export function recoveryMs(c: readonly Completion[], fromMb: number, toMb: number, target: number, samplesPerMb: number, windowMbs: number): number | undefined {
  const phase = c.filter((x) => x.mb >= fromMb && x.mb < toMb);
  if (phase.length <= windowMbs) return undefined;
  let lastBelow = -1;
  for (let k = 0; k + windowMbs < phase.length; k++) {
    const span = phase[k + windowMbs].timeMs - phase[k].timeMs;
    if (!(span > 0 && (windowMbs * samplesPerMb * 1000) / span >= target)) lastBelow = k;
  }
  if (lastBelow < 0) return 0;
  if (lastBelow + windowMbs >= phase.length - 1) return undefined;
  return phase[lastBelow + windowMbs].timeMs - phase[0].timeMs;
}

/** Median ms between consecutive completions among the `n` microbatches before `mb`. */
export function iterationMsBefore(c: readonly Completion[], mb: number, n: number): number {
  const before = c.filter((x) => x.mb < mb).slice(-n - 1);
  const gaps = before.slice(1).map((x, i) => x.timeMs - before[i].timeMs).sort((a, b) => a - b);
  if (gaps.length === 0) return NaN;
  return gaps.length % 2 ? gaps[gaps.length >> 1] : (gaps[gaps.length / 2 - 1] + gaps[gaps.length / 2]) / 2;
}
