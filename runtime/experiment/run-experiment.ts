/**
 * `dynpipe experiment <name>`: every run of a scenario (scenarios.ts), one after the other on this
 * machine, then from their logs only: accuracy over time (weight snapshots evaluated after each
 * run, off its clock), each run's summary.json, the experiment's experiment.json and its figures.
 *
 *   OUT/<run>/rank-<r>.csv, summary.json, plan.json, decisions.csv    per run
 *   OUT/experiment.json                                                experiment-summary.ts
 *   OUT/<figure>.png, .svg                                             draw-figures.ts
 *
 * Weight snapshots and restart checkpoints are deleted once used (they are large and say nothing
 * the logs do not).
 */
import { rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { DynpipeError } from '../errors.js';
import { openDataset } from '../data/registry.js';
import type { Dataset } from '../data/dataset.js';
import { buildModel } from '../models/zoo.js';
import { appendRankLogRows } from '../log/append-rows.js';
import { readRankLogs } from '../log/rank-log-files.js';
import { summarizeRun } from '../log/summarize.js';
import { printSummary, SUMMARY_FILE_NAME } from '../log/summary.js';
import { selectBackend } from '../backend/select.js';
import { evaluateSnapshots } from './snapshots.js';
import { drawFigures, type DrawnFigures } from './draw-figures.js';
import {
  EXPERIMENT_SUMMARY_FILE,
  printExperimentSummary,
  summarizeExperiment,
  type ExperimentSummary,
  type LoggedRun,
} from './experiment-summary.js';
import { CHECKPOINT_SUBDIR, runMode, SNAPSHOT_SUBDIR, type RunProgress } from './run-mode.js';
import type { Scenario, ScenarioRun } from './scenarios.js';

export interface ExperimentProgress {
  /** 0-based index of the run in progress, and how many there are. */
  run: number;
  runs: number;
  name: string;
  phase: 'train' | 'eval';
  /** Microbatches (train) or snapshots (eval) done in this run, and its total. */
  done: number;
  total: number;
  train?: RunProgress;
}

export interface ExperimentOptions {
  scenario: Scenario;
  outDir: string;
  /** The command line, recorded in experiment.json. */
  command: string;
  /** The machine in words, recorded in experiment.json. */
  machine: string;
  /** Where the dataset's files are (default: the Debian package's, or DYNPIPE_DATA_DIR). */
  dataDir?: string;
  onProgress?(p: ExperimentProgress): void;
  say(line: string): void;
}

export interface ExperimentResult {
  summary: ExperimentSummary;
  figures: DrawnFigures;
}

function openTestSet(run: ScenarioRun, size: number, dataDir: string | undefined): Dataset {
  const w = run.workload;
  const synthetic = w.dataset.startsWith('synthetic');
  const args = w.plan.model.args;
  return openDataset(w.dataset, {
    split: 'test',
    env: process.env,
    size,
    ...(synthetic ? { seed: w.plan.training.seed } : dataDir ? { dataDir } : {}),
    ...(w.dataset === 'synthetic-image' ? { shape: [Number(args.inputHeight ?? 28), Number(args.inputWidth ?? 28), Number(args.inputChannels ?? 1)], numClasses: Number(args.numClasses ?? 10) } : {}),
  });
}

/** Accuracy over time of one finished run: its snapshots become eval rows of its logs. */
async function measureAccuracy(s: Scenario, run: ScenarioRun, dir: string, o: ExperimentOptions, index: number): Promise<void> {
  const model = buildModel(run.workload.plan.model.name, run.workload.plan.model.args);
  const test = openTestSet(run, s.testSamples ?? 10_000, o.dataDir);
  await selectBackend('wasm').catch(() => selectBackend('cpu'));
  const rows = await evaluateSnapshots(join(dir, SNAPSHOT_SUBDIR), model, test, (done, total) =>
    o.onProgress?.({ run: index, runs: s.runs.length, name: run.name, phase: 'eval', done, total }),
  );
  await appendRankLogRows(dir, rows);
}

export async function runExperiment(o: ExperimentOptions): Promise<ExperimentResult> {
  const s = o.scenario;
  const out = resolve(o.outDir);
  const logged: LoggedRun[] = [];
  for (const [index, run] of s.runs.entries()) {
    const dir = join(out, run.name);
    await rm(dir, { recursive: true, force: true });
    o.say(`dynpipe experiment ${s.name}: run ${index + 1} of ${s.runs.length}: ${run.name}`);
    const progress = (train: RunProgress): void =>
      o.onProgress?.({ run: index, runs: s.runs.length, name: run.name, phase: 'train', done: train.completed, total: run.workload.microbatches, train });
    const loadStart = loadavg()[0];
    try {
      await runMode({ dir, mode: run.mode, workload: run.workload, interference: s.interference, policy: { ...s.policy, mode: run.mode }, snapshotEvery: s.snapshotEvery, onProgress: progress, say: o.say });
    } catch (e) {
      throw new DynpipeError('E_PEER_FAILED', `experiment ${s.name}, run ${run.name}: ${(e as Error).message}`, { cause: e });
    }
    const loadEnd = loadavg()[0];
    if (s.snapshotEvery) await measureAccuracy(s, run, dir, o, index);
    await rm(join(dir, SNAPSHOT_SUBDIR), { recursive: true, force: true });
    await rm(join(dir, CHECKPOINT_SUBDIR), { recursive: true, force: true });
    const rows = await readRankLogs(dir);
    const description = { mode: run.mode, model: run.modelLabel, microbatchSize: run.workload.plan.microbatch_size, targetAccuracy: s.targetAccuracy ?? undefined };
    await writeFile(join(dir, SUMMARY_FILE_NAME), printSummary(summarizeRun(rows, description)));
    logged.push({ name: run.name, mode: run.mode, model: run.modelLabel, microbatchSize: description.microbatchSize, rows, loadAverage: { start: loadStart, end: loadEnd } });
  }
  const summary = summarizeExperiment(
    { experiment: s.name, scale: s.scale, command: o.command, machine: o.machine, workload: s.workload, interference: s.interferenceText, targetAccuracy: s.targetAccuracy },
    logged,
  );
  await writeFile(join(out, EXPERIMENT_SUMMARY_FILE), printExperimentSummary(summary));
  const figures = await drawFigures(s.runs.map((r) => join(out, r.name)), s.figures, out, { windowIterations: 5, say: o.say });
  return { summary, figures };
}
