/**
 * What `dynpipe simulate` writes into --out: the rank logs (rank-<r>.csv, THE log format),
 * summary.json (the runtime's summary, so `dynpipe figures` draws simulated runs like measured
 * ones), simulation.json (the simulator's report and the settings it ran with), decisions.csv (one
 * row per decision window) and plan.json (the starting plan). Every write fails with one E_IO line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { DynpipeError } from '../errors.js';
import { printHeader, rankLogFileName } from '../log/rank-log.js';
import { SUMMARY_FILE_NAME, printSummary } from '../log/summary.js';
import { numStages, printPlan } from '../plan/plan.js';
import type { RankInterference } from '../sim/interference.js';
import { rankRows } from '../sim/log-rows.js';
import { printRows } from '../sim/log-text.js';
import { simulationReport } from '../sim/report.js';
import { RunSummaryBuilder } from '../sim/run-summary.js';
import type { SimulationResult } from '../sim/simulate.js';

export const SIMULATION_FILE_NAME = 'simulation.json';
export const DECISIONS_FILE_NAME = 'decisions.csv';

function write(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new DynpipeError('E_IO', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

export interface OutputOptions {
  readonly dir: string;
  readonly mode: string;
  /** Write rank-<r>.csv files (summary.json needs them: it is skipped without). */
  readonly rankLogs: boolean;
  /** Echoed into simulation.json. */
  readonly settings: Record<string, unknown>;
}

/** Writes the run into `o.dir` (created); returns the paths written. */
export function writeSimulation(result: SimulationResult, landed: readonly RankInterference[], o: OutputOptions): string[] {
  try {
    mkdirSync(o.dir, { recursive: true });
  } catch (e) {
    throw new DynpipeError('E_IO', `cannot create --out ${o.dir}: ${(e as Error).message}`, { cause: e });
  }
  const written: string[] = [];
  const out = (name: string, text: string): void => {
    const path = join(o.dir, name);
    write(path, text);
    written.push(path);
  };
  const first = result.segments[0].plan;
  out('plan.json', printPlan(first));
  if (o.rankLogs) {
    const lastStage = new Map(result.segments.map((s) => [s.planVersion, numStages(s.plan) - 1]));
    const summary = new RunSummaryBuilder((v) => lastStage.get(v) ?? -1);
    for (let r = 0; r < result.segments[0].topology.ranks; r++) {
      const rows = rankRows(result, landed, r, o.mode);
      write(join(o.dir, rankLogFileName(r)), printHeader() + printRows(rows));
      summary.addRank(r, rows);
    }
    written.push(join(o.dir, 'rank-<r>.csv'));
    out(SUMMARY_FILE_NAME, printSummary(summary.build({ mode: o.mode, model: first.model.name, microbatchSize: first.microbatch_size })));
  }
  out(SIMULATION_FILE_NAME, JSON.stringify({ version: 1, mode: o.mode, model: first.model.name, ...simulationReport(result), settings: o.settings }, null, 2) + '\n');
  const decisions = result.decisions.map((d) => [d.timeMs, d.iteration, d.planVersion, d.partition.join('-'), d.action, d.reason]);
  out(DECISIONS_FILE_NAME, stringify([['time_ms', 'iteration', 'plan_version', 'partition', 'action', 'reason'], ...decisions]));
  return written;
}
