/**
 * What `dynpipe demo` prints at the end, derived from the rank logs only (so a test can recompute
 * it): when the interference burst started and ended, throughput before, during and after it, each
 * repartition with its pause, how long after the burst's start the first migration came, and the
 * final loss. Pure: rows in, numbers and text out.
 *
 * Phases split the last stage's completion times (metrics.ts lastStageCompletions) at the start and
 * end of the interference (the union of its windows): before = completions at or before the start,
 * during = after the start up to the end, after = later. A phase's throughput is
 * (completions - 1) * microbatch size / seconds between its first and last completion, as the
 * run's throughput is defined; null with fewer than two completions.
 */
import { computeMs, interferenceWindows, isStep, lastStageCompletions, repartitions } from '../log/metrics.js';
import type { RankLogRow } from '../log/rank-log.js';
import type { RepartitionSummary } from '../log/summary.js';

export interface DemoReport {
  /** Job-clock ms of the interference (first start, last end); null when none was logged. */
  interference: { startMs: number; endMs: number; ranks: number[] } | null;
  throughput: { before: number | null; during: number | null; after: number | null };
  repartitions: RepartitionSummary[];
  /**
   * Per rank: mean compute of its steps in the burst before any repartition over the mean before
   * the burst, both under the start plan; null when either side has no step. On a busy shared
   * machine this shows where the slowdown really landed (the kernel may move other load onto
   * the cores the burst left alone).
   */
  burstSlowdowns: Array<number | null>;
  /** First repartition's start minus the interference's start (negative: it came before); null without either. */
  firstMigrationAfterBurstMs: number | null;
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

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Per rank (0..max rank logged), mean compute of plan-0 steps ending in (fromMs, toMs] over those ending at or before fromMs. */
export function rankSlowdowns(rows: readonly RankLogRow[], fromMs: number, toMs: number): Array<number | null> {
  const steps = rows.filter(isStep).filter((s) => s.plan_version === 0);
  const ranks = steps.reduce((m, s) => Math.max(m, s.rank), -1) + 1;
  return Array.from({ length: ranks }, (_, r) => {
    const mine = steps.filter((s) => s.rank === r);
    const before = mine.filter((s) => s.time_ms <= fromMs).map(computeMs);
    const during = mine.filter((s) => s.time_ms > fromMs && s.time_ms <= toMs).map(computeMs);
    return before.length && during.length && mean(before) > 0 ? mean(during) / mean(before) : null;
  });
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
  const moves = repartitions(rows);
  const burstSlowdowns = interference ? rankSlowdowns(rows, interference.startMs, Math.min(interference.endMs, moves[0]?.time_ms ?? Infinity)) : [];
  const losses = rows.filter(isStep).filter((s) => s.loss !== undefined);
  const last = losses.reduce<(typeof losses)[number] | undefined>((a, s) => (a === undefined || s.microbatch > a.microbatch ? s : a), undefined);
  return {
    interference,
    throughput,
    repartitions: moves,
    burstSlowdowns,
    firstMigrationAfterBurstMs: interference && moves.length > 0 ? moves[0].time_ms - interference.startMs : null,
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
  lines.push(r.interference ? `burst: interference on ranks ${r.interference.ranks.join(', ')} from ${seconds(r.interference.startMs)} to ${seconds(r.interference.endMs)}` : 'interference: none logged');
  if (r.burstSlowdowns.length > 0) {
    lines.push(`compute slowdown in the burst (before any migration): ${r.burstSlowdowns.map((x, rank) => `rank ${rank} ${x === null ? 'n/a' : `${x.toFixed(2)}x`}`).join(', ')}`);
  }
  lines.push(`throughput before: ${rate(r.throughput.before)}`, `throughput during: ${rate(r.throughput.during)}`, `throughput after: ${rate(r.throughput.after)}`);
  if (r.repartitions.length === 0) lines.push('repartitions: none');
  for (const p of r.repartitions) {
    lines.push(`repartition to v${p.plan_version} at ${seconds(p.time_ms)}: [${p.old_partition.join(', ')}] -> [${p.new_partition.join(', ')}], pause ${p.pause_ms.toFixed(1)} ms`);
  }
  const after = r.firstMigrationAfterBurstMs;
  if (after !== null) {
    lines.push(after >= 0 ? `first migration: ${seconds(after)} after the burst started` : `first migration: ${seconds(-after)} BEFORE the burst started (the controller reacted to noise)`);
  }
  lines.push(`final loss: ${r.finalLoss === null ? 'n/a' : r.finalLoss.toFixed(4)}`);
  return lines.join('\n');
}
