/**
 * Numbers derived from rank-log rows: busy fraction, throughput, iteration times, repartition
 * pauses, interference windows and their measured slowdown, time to accuracy. Pure: rows in,
 * numbers out. Definitions (each function repeats its own):
 *  - compute time of a step = forward + backward + optimizer (waits excluded);
 *  - a rank's busy fraction = compute of its step rows after the first / (last - first step time);
 *  - throughput = (completed microbatches at the last stage - 1) * microbatch size / (last - first
 *    completion), so pipeline fill and start-up do not count;
 *  - iteration i's end = the latest step row of iteration i on any rank; its time = end(i) - end(i-1).
 */
import { DynpipeError } from '../errors.js';
import type { EvalRow, InterferenceLevel, InterferenceRow, RankLogRow, RepartitionRow, StepRow } from './rank-log.js';
import type { InterferenceWindow, RankBusy, RepartitionSummary } from './summary.js';

export function isStep(r: RankLogRow): r is StepRow {
  return r.row === 'step';
}
export function isRepartition(r: RankLogRow): r is RepartitionRow {
  return r.row === 'repartition';
}
export function isEval(r: RankLogRow): r is EvalRow {
  return r.row === 'eval';
}
export function isInterference(r: RankLogRow): r is InterferenceRow {
  return r.row === 'interference';
}

/** forward + backward + optimizer: the time the device worked on this step. */
export function computeMs(s: StepRow): number {
  return s.forward_ms + s.backward_ms + s.optimizer_ms;
}

const byTime = <T extends { time_ms: number }>(a: T, b: T): number => a.time_ms - b.time_ms;

function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}

/**
 * Busy fraction of one rank's step rows: compute of every row after the first, over the time from
 * the first row's end to the last row's end. null with fewer than two rows or no elapsed time.
 */
export function busyFraction(steps: readonly StepRow[]): number | null {
  const sorted = [...steps].sort(byTime);
  if (sorted.length < 2) return null;
  const wall = sorted[sorted.length - 1].time_ms - sorted[0].time_ms;
  if (wall <= 0) return null;
  return sorted.slice(1).reduce((sum, s) => sum + computeMs(s), 0) / wall;
}

/** Busy fraction of each rank over the whole run (pauses count as idle), ranks ascending. */
export function busyByRank(rows: readonly RankLogRow[]): RankBusy[] {
  const perRank = groupBy(rows.filter(isStep), (s) => s.rank);
  return [...perRank.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([rank, steps]) => {
      const busy = busyFraction(steps);
      const last = steps.reduce((a, b) => (b.time_ms >= a.time_ms ? b : a));
      return busy === null ? [] : [{ rank, stage: last.stage, busy_fraction: busy }];
    });
}

export interface PlanBusy extends RankBusy {
  plan_version: number;
}

/** Busy fraction of each rank under each plan version (so a repartition's pause is in neither). */
export function busyByRankAndPlan(rows: readonly RankLogRow[]): PlanBusy[] {
  const groups = groupBy(rows.filter(isStep), (s) => `${s.plan_version}/${s.rank}`);
  const out: PlanBusy[] = [];
  for (const steps of groups.values()) {
    const busy = busyFraction(steps);
    if (busy !== null) out.push({ rank: steps[0].rank, stage: steps[0].stage, plan_version: steps[0].plan_version, busy_fraction: busy });
  }
  return out.sort((a, b) => a.plan_version - b.plan_version || a.rank - b.rank);
}

/**
 * Completion time of each microbatch at the last stage (the highest stage logging steps under the
 * microbatch's plan version); replicas of that stage count once, at the latest replica. Ascending.
 */
export function lastStageCompletions(rows: readonly RankLogRow[]): number[] {
  const steps = rows.filter(isStep);
  const lastStage = new Map<number, number>();
  for (const s of steps) lastStage.set(s.plan_version, Math.max(lastStage.get(s.plan_version) ?? 0, s.stage));
  const done = new Map<number, number>();
  for (const s of steps) {
    if (s.stage === lastStage.get(s.plan_version)) done.set(s.microbatch, Math.max(done.get(s.microbatch) ?? 0, s.time_ms));
  }
  return [...done.values()].sort((a, b) => a - b);
}

/** (completions - 1) * microbatchSize / seconds between first and last completion; null below two. */
export function throughputSamplesPerS(rows: readonly RankLogRow[], microbatchSize: number): number | null {
  const t = lastStageCompletions(rows);
  if (t.length < 2 || t[t.length - 1] <= t[0]) return null;
  return ((t.length - 1) * microbatchSize) / ((t[t.length - 1] - t[0]) / 1000);
}

export interface IterationTime {
  /** Last iteration of the window. */
  iteration: number;
  /** When that iteration ended (its latest step row on any rank). */
  end_ms: number;
  /** Mean time per iteration over the window. */
  iteration_ms: number;
}

/**
 * Iteration times: iteration i ends at its latest step row on any rank and took end(i) - end(i-1).
 * With windowIterations = k, consecutive runs of k such times are averaged (partial windows dropped).
 */
export function iterationTimes(rows: readonly RankLogRow[], windowIterations = 1): IterationTime[] {
  if (!Number.isInteger(windowIterations) || windowIterations < 1) {
    throw new DynpipeError('E_USAGE', `iteration window must be an integer >= 1, got ${windowIterations}`);
  }
  const ends = new Map<number, number>();
  for (const s of rows.filter(isStep)) ends.set(s.iteration, Math.max(ends.get(s.iteration) ?? 0, s.time_ms));
  const iterations = [...ends.keys()].sort((a, b) => a - b);
  const single: IterationTime[] = [];
  for (let k = 1; k < iterations.length; k++) {
    const i = iterations[k];
    if (iterations[k - 1] !== i - 1) continue;
    single.push({ iteration: i, end_ms: ends.get(i)!, iteration_ms: ends.get(i)! - ends.get(i - 1)! });
  }
  if (windowIterations === 1) return single;
  const out: IterationTime[] = [];
  for (let k = 0; k + windowIterations <= single.length; k += windowIterations) {
    const window = single.slice(k, k + windowIterations);
    const last = window[window.length - 1];
    out.push({ iteration: last.iteration, end_ms: last.end_ms, iteration_ms: window.reduce((s, w) => s + w.iteration_ms, 0) / windowIterations });
  }
  return out;
}

const samePartition = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * One entry per plan version moved to: earliest pause start over ranks and the longest pause.
 * Throws E_LOG_PARSE if ranks disagree on the partitions of the same plan version.
 */
export function repartitions(rows: readonly RankLogRow[]): RepartitionSummary[] {
  const groups = groupBy(rows.filter(isRepartition), (r) => r.plan_version);
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([plan_version, events]) => {
      const first = events[0];
      for (const e of events) {
        if (!samePartition(e.old_partition, first.old_partition) || !samePartition(e.new_partition, first.new_partition)) {
          throw new DynpipeError(
            'E_LOG_PARSE',
            `repartition to plan ${plan_version}: rank ${e.rank} logs ${e.old_partition.join('-')} -> ${e.new_partition.join('-')}, ` +
              `rank ${first.rank} logs ${first.old_partition.join('-')} -> ${first.new_partition.join('-')}`,
          );
        }
      }
      return {
        plan_version,
        time_ms: events.reduce((t, e) => Math.min(t, e.time_ms), Infinity),
        pause_ms: events.reduce((p, e) => Math.max(p, e.pause_ms), 0),
        old_partition: [...first.old_partition],
        new_partition: [...first.new_partition],
      };
    });
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Interference windows, by start time. measured_slowdown = mean compute of the rank's steps that end
 * inside (start, end] over the mean of those ending at or before start, both under the plan version
 * in force when the window began (a repartition during the window does not dilute it).
 */
export function interferenceWindows(rows: readonly RankLogRow[]): InterferenceWindow[] {
  const steps = rows.filter(isStep);
  return rows
    .filter(isInterference)
    .sort(byTime)
    .map((w) => {
      const start = w.time_ms;
      const end = w.time_ms + w.duration_ms;
      const mine = steps.filter((s) => s.rank === w.rank && s.plan_version === w.plan_version);
      const before = mine.filter((s) => s.time_ms <= start).map(computeMs);
      const during = mine.filter((s) => s.time_ms > start && s.time_ms <= end).map(computeMs);
      const base = before.length ? mean(before) : 0;
      const measured = during.length && base > 0 ? mean(during) / base : null;
      return {
        rank: w.rank,
        stage: w.stage,
        level: w.level,
        start_ms: start,
        end_ms: end,
        predicted_slowdown: w.predicted_slowdown ?? null,
        measured_slowdown: measured,
      };
    });
}

/** The interference level at `timeMs` (windows are (start, end]); heavy wins where windows overlap. */
export function levelAt(windows: readonly InterferenceWindow[], timeMs: number): InterferenceLevel | 'none' {
  const levels = windows.filter((w) => timeMs > w.start_ms && timeMs <= w.end_ms).map((w) => w.level);
  return levels.includes('heavy') ? 'heavy' : levels.length > 0 ? 'light' : 'none';
}

/** Time of the earliest eval row with accuracy >= target; null if none reaches it. */
export function timeToAccuracy(rows: readonly RankLogRow[], targetAccuracy: number): number | null {
  const reached = rows.filter(isEval).filter((e) => e.accuracy !== undefined && e.accuracy >= targetAccuracy);
  return reached.length ? reached.reduce((t, e) => Math.min(t, e.time_ms), Infinity) : null;
}
