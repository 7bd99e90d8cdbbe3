/**
 * What `dynpipe demo` prints at the end, derived from the rank logs only (so a test can recompute
 * it): throughput before, during and after the interference, each repartition with its pause, and
 * the final loss. Pure: rows in, numbers and text out.
 *
 * Phases split the last stage's completion times (metrics.ts lastStageCompletions) at the start and
 * end of the interference (the union of its windows): before = completions at or before the start,
 * during = after the start up to the end, after = later. A phase's throughput is
 * (completions - 1) * microbatch size / seconds between its first and last completion, as the
 * run's throughput is defined; null with fewer than two completions.
 */
import { interferenceWindows, isStep, lastStageCompletions, repartitions } from '../log/metrics.js';
import type { RankLogRow } from '../log/rank-log.js';
import type { RepartitionSummary } from '../log/summary.js';

export interface DemoReport {
  /** Job-clock ms of the interference (first start, last end); null when none was logged. */
  interference: { startMs: number; endMs: number; ranks: number[] } | null;
  throughput: { before: number | null; during: number | null; after: number | null };
  repartitions: RepartitionSummary[];
  /** Loss of the highest microbatch that logged one; null if none did. */
  finalLoss: number | null;
  /** Microbatches completed by the last stage, and when the last one completed. */
  microbatches: number;
  durationMs: number;
}

/** (n - 1) * microbatchSize / seconds from first to last of `times` (ascending); null below two. */
export function phaseThroughput(times: readonly number[], microbatchSize: number): number | null {
  if (times.length < 2 || times[times.length - 1] <= times[0]) return null;
  return ((times.length - 1) * microbatchSize) / ((times[times.length - 1] - times[0]) / 1000);
}

export function demoReport(rows: readonly RankLogRow[], microbatchSize: number): DemoReport {
  const windows = interferenceWindows(rows);
  const interference =
    windows.length === 0
      ? null
      : {
          startMs: Math.min(...windows.map((w) => w.start_ms)),
          endMs: Math.max(...windows.map((w) => w.end_ms)),
          ranks: [...new Set(windows.map((w) => w.rank))].sort((a, b) => a - b),
        };
  const done = lastStageCompletions(rows);
  const phase = (keep: (t: number) => boolean): number | null => phaseThroughput(done.filter(keep), microbatchSize);
  const throughput = interference
    ? {
        before: phase((t) => t <= interference.startMs),
        during: phase((t) => t > interference.startMs && t <= interference.endMs),
        after: phase((t) => t > interference.endMs),
      }
    : { before: phaseThroughput(done, microbatchSize), during: null, after: null };
  const losses = rows.filter(isStep).filter((s) => s.loss !== undefined);
  const last = losses.reduce<(typeof losses)[number] | undefined>((a, s) => (a === undefined || s.microbatch > a.microbatch ? s : a), undefined);
  return {
    interference,
    throughput,
    repartitions: repartitions(rows),
    finalLoss: last?.loss ?? null,
    microbatches: done.length,
    durationMs: done.length ? done[done.length - 1] : 0,
  };
}

const rate = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(1)} samples/s`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The report as lines of text (no trailing newline); numbers at fixed precision. */
export function formatDemoReport(r: DemoReport): string {
  const lines = [`completed ${r.microbatches} microbatches in ${seconds(r.durationMs)}`];
  lines.push(r.interference ? `interference: ranks ${r.interference.ranks.join(', ')} from ${seconds(r.interference.startMs)} to ${seconds(r.interference.endMs)}` : 'interference: none logged');
  lines.push(`throughput before: ${rate(r.throughput.before)}`, `throughput during: ${rate(r.throughput.during)}`, `throughput after: ${rate(r.throughput.after)}`);
  if (r.repartitions.length === 0) lines.push('repartitions: none');
  for (const p of r.repartitions) {
    lines.push(`repartition to v${p.plan_version} at ${seconds(p.time_ms)}: [${p.old_partition.join(', ')}] -> [${p.new_partition.join(', ')}], pause ${p.pause_ms.toFixed(1)} ms`);
  }
  lines.push(`final loss: ${r.finalLoss === null ? 'n/a' : r.finalLoss.toFixed(4)}`);
  return lines.join('\n');
}
