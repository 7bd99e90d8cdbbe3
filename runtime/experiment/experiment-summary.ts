/**
 * `experiment.json`: what one `dynpipe experiment` measured, one entry per run (a mode on a model),
 * and each run's ratios to the PipeDream run of the same model. Every number is derived from the
 * runs' rank logs (through ../log/summarize.ts and ../log/metrics.ts), so the file never says more
 * than the logs do; the description (command, machine, workload) is copied as given.
 * `parseExperimentSummary(printExperimentSummary(s))` deep-equals `s`. Pure: no I/O.
 */
import { z } from 'zod';
import { DynpipeError } from '../errors.js';
import { parseJsonWith, printJson, validateWith } from '../json-format.js';
import { interferenceWindows, isEval, lastStageCompletions } from '../log/metrics.js';
import type { RankLogRow } from '../log/rank-log.js';
import { summarizeRun } from '../log/summarize.js';

export const EXPERIMENT_SUMMARY_FILE = 'experiment.json';

const ms = () => z.number().nonnegative();
const ratio = () => z.number().positive().nullable();

export const ExperimentRunSchema = z.strictObject({
  /** The run's directory under the experiment's --out. */
  name: z.string().min(1),
  mode: z.string().min(1),
  model: z.string().min(1),
  /** Time of the run's last logged row (job clock: from before the ranks were spawned). */
  duration_ms: ms(),
  throughput_samples_per_s: z.number().nonnegative().nullable(),
  /** First eval row at or above the target (job clock); null without a target or when never reached. */
  time_to_target_ms: ms().nullable(),
  /** Accuracy of the run's last eval row; null without eval rows. */
  final_accuracy: z.number().min(0).max(1).nullable(),
  /** Last-stage throughput before the first interference window starts; null with fewer than two completions there. */
  throughput_quiet: z.number().nonnegative().nullable(),
  /** Last-stage throughput from the first window's start to the last window's end; null likewise. */
  throughput_interfered: z.number().nonnegative().nullable(),
  /** throughput_interfered / throughput_quiet: what the run kept under interference, whatever the machine's speed that minute. */
  retained: ratio(),
  repartitions: z.int().nonnegative(),
  /** Start of the run's first repartition; null without one. */
  first_repartition_ms: ms().nullable(),
  /** pipedream's time to target / this run's, same model; null when either never reached it. */
  time_to_target_speedup: ratio(),
  /** This run's throughput / pipedream's, same model; null when either is unknown. */
  throughput_speedup: ratio(),
  /** The machine's 1-minute load average when the run started and ended (as given by the driver, not from the logs). */
  load_average: z.strictObject({ start: z.number().nonnegative(), end: z.number().nonnegative() }).nullable(),
});

export const ExperimentSummarySchema = z.strictObject({
  version: z.literal(1),
  experiment: z.string().min(1),
  scale: z.string().min(1),
  /** The command line that produced it. */
  command: z.string().min(1),
  machine: z.string().min(1),
  /** What every run trained and under which interference, in words. */
  workload: z.string().min(1),
  interference: z.string().min(1),
  target_accuracy: z.number().min(0).max(1).nullable(),
  runs: z.array(ExperimentRunSchema).min(1),
});

export type ExperimentRun = z.infer<typeof ExperimentRunSchema>;
export type ExperimentSummary = z.infer<typeof ExperimentSummarySchema>;

export interface ExperimentDescription {
  experiment: string;
  scale: string;
  command: string;
  machine: string;
  workload: string;
  interference: string;
  targetAccuracy: number | null;
}

export interface LoggedRun {
  name: string;
  mode: string;
  model: string;
  microbatchSize: number;
  rows: readonly RankLogRow[];
  loadAverage?: { start: number; end: number };
}

/** (n - 1) * microbatchSize / seconds from first to last of `times` (ascending); null below two. */
function rate(times: readonly number[], microbatchSize: number): number | null {
  return times.length < 2 || times[times.length - 1] <= times[0] ? null : ((times.length - 1) * microbatchSize) / ((times[times.length - 1] - times[0]) / 1000);
}

/** Throughput before the first interference window, and from its start to the last window's end. */
export function interferenceThroughputs(rows: readonly RankLogRow[], microbatchSize: number): { quiet: number | null; interfered: number | null } {
  const windows = interferenceWindows(rows);
  const done = lastStageCompletions(rows);
  if (windows.length === 0) return { quiet: rate(done, microbatchSize), interfered: null };
  const start = Math.min(...windows.map((w) => w.start_ms));
  const end = Math.max(...windows.map((w) => w.end_ms));
  return { quiet: rate(done.filter((t) => t <= start), microbatchSize), interfered: rate(done.filter((t) => t > start && t <= end), microbatchSize) };
}

const speedup = (num: number | null | undefined, den: number | null | undefined): number | null =>
  num === null || num === undefined || den === null || den === undefined || !(num > 0) || !(den > 0) ? null : num / den;

/** The summary of an experiment's runs; E_DATA when a run has no rows. */
export function summarizeExperiment(d: ExperimentDescription, runs: readonly LoggedRun[]): ExperimentSummary {
  const base = runs.map((r) => {
    const s = summarizeRun(r.rows, { mode: r.mode, model: r.model, microbatchSize: r.microbatchSize, targetAccuracy: d.targetAccuracy ?? undefined });
    const phases = interferenceThroughputs(r.rows, r.microbatchSize);
    const evals = r.rows.filter(isEval).filter((e) => e.accuracy !== undefined).sort((a, b) => a.time_ms - b.time_ms);
    return {
      name: r.name,
      mode: r.mode,
      model: r.model,
      duration_ms: s.duration_ms,
      throughput_samples_per_s: s.throughput_samples_per_s,
      time_to_target_ms: s.time_to_accuracy?.time_ms ?? null,
      final_accuracy: evals.length ? evals[evals.length - 1].accuracy! : null,
      throughput_quiet: phases.quiet,
      throughput_interfered: phases.interfered,
      retained: speedup(phases.interfered, phases.quiet),
      repartitions: s.repartitions.length,
      first_repartition_ms: s.repartitions.length ? Math.min(...s.repartitions.map((p) => p.time_ms)) : null,
    };
  });
  const withRatios = base.map((r) => {
    const ref = base.find((b) => b.model === r.model && b.mode === 'pipedream');
    return {
      ...r,
      time_to_target_speedup: speedup(ref?.time_to_target_ms, r.time_to_target_ms),
      throughput_speedup: speedup(r.throughput_samples_per_s, ref?.throughput_samples_per_s),
      load_average: runs.find((x) => x.name === r.name)?.loadAverage ?? null,
    };
  });
  if (withRatios.length === 0) throw new DynpipeError('E_DATA', `experiment ${d.experiment}: no runs`);
  return validateExperimentSummary({
    version: 1,
    experiment: d.experiment,
    scale: d.scale,
    command: d.command,
    machine: d.machine,
    workload: d.workload,
    interference: d.interference,
    target_accuracy: d.targetAccuracy,
    runs: withRatios,
  });
}

export function validateExperimentSummary(value: unknown, source = 'experiment summary'): ExperimentSummary {
  return validateWith(ExperimentSummarySchema, value, 'E_LOG_PARSE', source);
}

export function parseExperimentSummary(text: string, source = 'experiment summary'): ExperimentSummary {
  return parseJsonWith(ExperimentSummarySchema, text, 'E_LOG_PARSE', source);
}

export function printExperimentSummary(s: ExperimentSummary): string {
  return printJson(s);
}

/** The summary as an aligned text table for the terminal (one line per run). */
export function formatExperimentTable(s: ExperimentSummary): string {
  const sec = (x: number | null): string => (x === null ? 'n/a' : (x / 1000).toFixed(1));
  const num = (x: number | null, digits: number): string => (x === null ? 'n/a' : x.toFixed(digits));
  const header = ['run', 'samples/s', 'x pipedream', 'kept under interference', 'load', s.target_accuracy === null ? null : `s to ${(100 * s.target_accuracy).toFixed(0)}%`, s.target_accuracy === null ? null : 'x pipedream', 'final acc', 'changes', 'duration s'];
  const rows = s.runs.map((r) => [
    r.name, num(r.throughput_samples_per_s, 1), num(r.throughput_speedup, 2), r.retained === null ? 'n/a' : `${(100 * r.retained).toFixed(0)}%`,
    r.load_average === null ? 'n/a' : `${r.load_average.start.toFixed(1)}-${r.load_average.end.toFixed(1)}`,
    s.target_accuracy === null ? null : sec(r.time_to_target_ms), s.target_accuracy === null ? null : num(r.time_to_target_speedup, 2),
    r.final_accuracy === null ? 'n/a' : `${(100 * r.final_accuracy).toFixed(1)}%`, String(r.repartitions), sec(r.duration_ms),
  ]);
  const keep = header.map((h) => h !== null);
  const table = [header, ...rows].map((cells) => cells.filter((_, i) => keep[i]) as string[]);
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  return table.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}
