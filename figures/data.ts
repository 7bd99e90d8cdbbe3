/**
 * The series each figure plots, derived from runs' rank-log rows and summaries (pure: no I/O).
 * Every figure draws only these records, so a figure shows what the runs logged and nothing else.
 * Times are plotted in seconds (`*_s`), durations in ms (`*_ms`); definitions of busy fraction,
 * iteration time, throughput and measured slowdown are those of runtime/log/metrics.ts.
 */
import { DynpipeError } from '../runtime/errors.js';
import {
  busyByRankAndPlan,
  interferenceWindows,
  isEval,
  isStep,
  iterationTimes,
  levelAt,
  repartitions,
} from '../runtime/log/metrics.js';
import type { InterferenceLevel, RankLogRow } from '../runtime/log/rank-log.js';
import type { Summary } from '../runtime/log/summary.js';

/** One run as loaded from a log directory. */
export interface Run {
  /** Short name of where it came from (the log directory's name). */
  name: string;
  rows: readonly RankLogRow[];
  /** The run's summary.json, if it has one. */
  summary: Summary | null;
}

/**
 * A legend label per run: the mode, plus the model when runs differ in model; the run's name when
 * it has no summary. Labels are made unique by appending the run's name.
 */
export function runLabels(runs: readonly Run[]): string[] {
  const models = new Set(runs.flatMap((r) => (r.summary ? [r.summary.model] : [])));
  const base = runs.map((r) => (r.summary ? (models.size > 1 ? `${r.summary.mode} (${r.summary.model})` : r.summary.mode) : r.name));
  return base.map((b, i) => (base.indexOf(b) !== base.lastIndexOf(b) ? `${b} [${runs[i].name}]` : b));
}

function requireData<T>(items: T[], figure: string, what: string): T[] {
  if (items.length === 0) throw new DynpipeError('E_DATA', `figure ${figure}: the logs have no ${what}`);
  return items;
}

const seconds = (ms: number): number => ms / 1000;

export type ProgressMetric = 'accuracy' | 'eval loss' | 'training loss';

export interface ProgressSeries {
  metric: ProgressMetric;
  points: Array<{ run: string; time_s: number; value: number }>;
  /** The target accuracy the runs' summaries share, if any (drawn as a reference line). */
  target: number | null;
}

/**
 * Training progress over wall time per run: eval accuracy when any run logged one, else eval loss,
 * else the last stage's training loss from step rows.
 */
export function progressSeries(runs: readonly Run[]): ProgressSeries {
  const labels = runLabels(runs);
  const evals = runs.map((r) => r.rows.filter(isEval));
  const pick = (metric: ProgressMetric, run: number) => {
    if (metric === 'training loss') return runs[run].rows.filter(isStep).flatMap((s) => (s.loss === undefined ? [] : [{ t: s.time_ms, v: s.loss }]));
    const field = metric === 'accuracy' ? 'accuracy' : 'loss';
    return evals[run].flatMap((e) => (e[field] === undefined ? [] : [{ t: e.time_ms, v: e[field] }]));
  };
  const metrics: ProgressMetric[] = ['accuracy', 'eval loss', 'training loss'];
  const metric = metrics.find((m) => runs.some((_, i) => pick(m, i).length > 0));
  if (metric === undefined) throw new DynpipeError('E_DATA', 'figure time-to-accuracy: the logs have no eval rows and no training loss');
  const points = runs.flatMap((_, i) => pick(metric, i).map((p) => ({ run: labels[i], time_s: seconds(p.t), value: p.v })));
  const targets = new Set(runs.map((r) => r.summary?.time_to_accuracy?.target_accuracy ?? null));
  const [only] = [...targets];
  const target = metric === 'accuracy' && targets.size === 1 && only !== null && only !== undefined ? only : null;
  return { metric, points: points.sort((a, b) => a.time_s - b.time_s), target };
}

export interface ThroughputBar {
  model: string;
  mode: string;
  samples_per_s: number;
}

/** Throughput of each run from its summary; runs must have a summary with a measured throughput. */
export function throughputBars(runs: readonly Run[]): ThroughputBar[] {
  const bars = runs.map((r) => {
    if (!r.summary) throw new DynpipeError('E_DATA', `figure throughput: run ${r.name} has no summary.json`);
    if (r.summary.throughput_samples_per_s === null) {
      throw new DynpipeError('E_DATA', `figure throughput: run ${r.name} logged fewer than two completed microbatches`);
    }
    return { model: r.summary.model, mode: r.summary.mode, samples_per_s: r.summary.throughput_samples_per_s };
  });
  return requireData(bars, 'throughput', 'runs');
}

export interface BusyBar {
  run: string;
  rank: number;
  /** "rank 2 · stage 2": the x-axis category. */
  rank_label: string;
  plan: string;
  plan_version: number;
  busy_fraction: number;
}

/** Busy fraction per run, rank and plan version. */
export function busyBars(runs: readonly Run[]): BusyBar[] {
  const labels = runLabels(runs);
  const bars = runs.flatMap((r, i) =>
    busyByRankAndPlan(r.rows).map((b) => ({
      run: labels[i],
      rank: b.rank,
      rank_label: `rank ${b.rank} · stage ${b.stage}`,
      plan: `plan v${b.plan_version}`,
      plan_version: b.plan_version,
      busy_fraction: b.busy_fraction,
    })),
  );
  return requireData(bars, 'busy-fraction', 'rank with two or more step rows');
}

export interface ShadedSpan {
  level: InterferenceLevel;
  start_s: number;
  end_s: number;
}

export interface RunTimeline {
  run: string;
  iterations: Array<{ iteration: number; time_s: number; iteration_ms: number }>;
  windows: Array<{ rank: number; level: InterferenceLevel; start_s: number; end_s: number }>;
  /** The windows merged per level (overlapping or touching spans become one), so shading does not darken where several ranks or generators overlap. */
  shading: ShadedSpan[];
  repartitions: Array<{ plan_version: number; time_s: number; pause_ms: number; label: string }>;
}

/** Per level, the union of the spans: overlapping or touching spans of one level merge. Sorted by level, then start. */
export function mergeSpans(spans: readonly ShadedSpan[]): ShadedSpan[] {
  const out: ShadedSpan[] = [];
  for (const level of ['light', 'heavy'] as const) {
    const mine = spans.filter((s) => s.level === level).sort((a, b) => a.start_s - b.start_s);
    let open: ShadedSpan | undefined;
    for (const s of mine) {
      if (open && s.start_s <= open.end_s) open.end_s = Math.max(open.end_s, s.end_s);
      else {
        open = { level, start_s: s.start_s, end_s: s.end_s };
        out.push(open);
      }
    }
  }
  return out;
}

/** Per run: iteration time (mean over `windowIterations`) at each iteration's end, interference windows, repartitions. */
export function timelines(runs: readonly Run[], windowIterations = 1): RunTimeline[] {
  const labels = runLabels(runs);
  const out = runs.map((r, i) => {
    const windows = interferenceWindows(r.rows).map((w) => ({ rank: w.rank, level: w.level, start_s: seconds(w.start_ms), end_s: seconds(w.end_ms) }));
    return {
      run: labels[i],
      iterations: iterationTimes(r.rows, windowIterations).map((t) => ({ iteration: t.iteration, time_s: seconds(t.end_ms), iteration_ms: t.iteration_ms })),
      windows,
      shading: mergeSpans(windows),
      repartitions: repartitions(r.rows).map((p) => ({
        plan_version: p.plan_version,
        time_s: seconds(p.time_ms),
        pause_ms: p.pause_ms,
        label: `v${p.plan_version}: pause ${Math.round(p.pause_ms)} ms`,
      })),
    };
  });
  return requireData(
    out.filter((t) => t.iterations.length > 0),
    'iteration-time',
    'two consecutive iterations',
  );
}

export type LevelOrNone = InterferenceLevel | 'none';

export interface LevelBar {
  run: string;
  level: LevelOrNone;
  mean_iteration_ms: number;
  iterations: number;
}

/** Mean iteration time per run and interference level in force when each iteration ended. */
export function levelBars(runs: readonly Run[]): LevelBar[] {
  const labels = runLabels(runs);
  const order: LevelOrNone[] = ['none', 'light', 'heavy'];
  const bars = runs.flatMap((r, i) => {
    const windows = interferenceWindows(r.rows);
    const times = iterationTimes(r.rows);
    return order.flatMap((level) => {
      const mine = times.filter((t) => levelAt(windows, t.end_ms) === level);
      if (mine.length === 0) return [];
      const mean = mine.reduce((s, t) => s + t.iteration_ms, 0) / mine.length;
      return [{ run: labels[i], level, mean_iteration_ms: mean, iterations: mine.length }];
    });
  });
  if (!bars.some((b) => b.level !== 'none')) {
    throw new DynpipeError('E_DATA', 'figure interference-levels: no iteration ended inside an interference window');
  }
  return bars;
}

export interface PredictorPoint {
  run: string;
  rank: number;
  level: InterferenceLevel;
  predicted: number;
  measured: number;
}

export interface PredictorAccuracy {
  points: PredictorPoint[];
  /** Mean absolute percentage error of predicted vs measured slowdown, in percent. */
  mape_percent: number;
}

/** Interference windows with both a predicted and a measured slowdown, and the predictor's MAPE over them. */
export function predictorAccuracy(runs: readonly Run[]): PredictorAccuracy {
  const labels = runLabels(runs);
  const points = runs.flatMap((r, i) =>
    interferenceWindows(r.rows).flatMap((w) =>
      w.predicted_slowdown === null || w.measured_slowdown === null
        ? []
        : [{ run: labels[i], rank: w.rank, level: w.level, predicted: w.predicted_slowdown, measured: w.measured_slowdown }],
    ),
  );
  requireData(points, 'predictor-accuracy', 'interference window with both a predicted and a measured slowdown');
  const mape = (100 * points.reduce((s, p) => s + Math.abs(p.predicted - p.measured) / p.measured, 0)) / points.length;
  return { points, mape_percent: mape };
}

export interface PlanSegment {
  run: string;
  /** "initial", "v1 at 12.3 s", ...: the y-axis category; `order` sorts them. */
  plan: string;
  order: number;
  stage: number;
  start_block: number;
  end_block: number;
  blocks: number;
}

/** Blocks per stage of the initial plan and of each plan moved to, one segment per stage. */
export function planSegments(runs: readonly Run[]): PlanSegment[] {
  const labels = runLabels(runs);
  const segments = runs.flatMap((r, i) => {
    const moves = repartitions(r.rows);
    if (moves.length === 0) return [];
    const plans = [
      { plan: 'initial', partition: moves[0].old_partition },
      ...moves.map((m) => ({ plan: `v${m.plan_version} at ${seconds(m.time_ms).toFixed(1)} s`, partition: m.new_partition })),
    ];
    return plans.flatMap((p, order) => {
      let start = 0;
      return p.partition.map((blocks, stage) => {
        const seg = { run: labels[i], plan: p.plan, order, stage, start_block: start, end_block: start + blocks, blocks };
        start += blocks;
        return seg;
      });
    });
  });
  return requireData(segments, 'plan-changes', 'repartition rows');
}
