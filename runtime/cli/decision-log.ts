/**
 * The controller's decision log: one CSV row per window decision, repartition or not, with the
 * numbers behind it (`--decision-log`). Rows are written as they come, so a failed run keeps them;
 * `parseDecisionLog` reads them back (the dashboard replays the predictions from it).
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { DynpipeError } from '../errors.js';
import type { DecisionRecord } from '../coordinator/policy-runner.js';

export const DECISION_COLUMNS = [
  'time_ms', 'iteration', 'plan_version', 'action', 'current_partition', 'proposed_partition', 'slowdowns',
  'current_ms_per_iter', 'proposed_ms_per_iter', 'gain_ms_per_iter', 'remaining_iterations', 'benefit_ms', 'cost_ms', 'reason',
] as const;

function cells(d: DecisionRecord): Array<string | number> {
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return [
    r(d.timeMs), d.iteration, d.planVersion, d.action, d.currentPartition.join('-'), d.proposedPartition.join('-'), d.slowdowns.map((s) => r(s)).join(' '),
    r(d.currentMsPerIter), r(d.proposedMsPerIter), r(d.predictedGainMsPerIter), d.remainingIterations, r(d.benefitMs), r(d.costMs), d.reason,
  ];
}

/** Creates `path` with the header; returns the function that appends one decision. */
export function openDecisionLog(path: string): (d: DecisionRecord) => void {
  const fail = (e: unknown) => new DynpipeError('E_IO', `cannot write decision log ${path}: ${(e as Error).message}`, { cause: e });
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, stringify([[...DECISION_COLUMNS]]));
  } catch (e) {
    throw fail(e);
  }
  return (d) => {
    try {
      appendFileSync(path, stringify([cells(d)]));
    } catch (e) {
      throw fail(e);
    }
  };
}

/** One decision-log row read back; numbers as written (rounded to 3 decimals). */
export interface DecisionLogRow {
  time_ms: number;
  iteration: number;
  plan_version: number;
  action: 'repartition' | 'none';
  current_partition: number[];
  /** Empty when the policy proposed none. */
  proposed_partition: number[];
  slowdowns: number[];
  current_ms_per_iter: number;
  proposed_ms_per_iter: number;
  gain_ms_per_iter: number;
  remaining_iterations: number;
  benefit_ms: number;
  cost_ms: number;
  reason: string;
}

/** Parses a decision log as openDecisionLog writes it; E_LOG_PARSE names `file:line: column`. */
export function parseDecisionLog(text: string, file: string): DecisionLogRow[] {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (e) {
    throw new DynpipeError('E_LOG_PARSE', `${file}: ${(e as Error).message}`, { cause: e });
  }
  const header = records[0] ?? [];
  if (header.join(',') !== DECISION_COLUMNS.join(',')) throw new DynpipeError('E_LOG_PARSE', `${file}:1: not a decision log (header should be ${DECISION_COLUMNS.join(',')})`);
  return records.slice(1).map((cells, i) => {
    const where = `${file}:${i + 2}`;
    if (cells.length !== DECISION_COLUMNS.length) throw new DynpipeError('E_LOG_PARSE', `${where}: expected ${DECISION_COLUMNS.length} cells, got ${cells.length}`);
    const cell = (c: (typeof DECISION_COLUMNS)[number]) => cells[DECISION_COLUMNS.indexOf(c)];
    const num = (c: (typeof DECISION_COLUMNS)[number]) => {
      const v = Number(cell(c));
      if (cell(c).trim() === '' || !Number.isFinite(v)) throw new DynpipeError('E_LOG_PARSE', `${where}: column ${c}: expected a number, got '${cell(c)}'`);
      return v;
    };
    const list = (c: (typeof DECISION_COLUMNS)[number], sep: string) => {
      const text = cell(c).trim();
      if (text === '') return [];
      const values = text.split(sep).map(Number);
      if (values.some((v) => !Number.isFinite(v))) throw new DynpipeError('E_LOG_PARSE', `${where}: column ${c}: expected numbers separated by '${sep}', got '${cell(c)}'`);
      return values;
    };
    const action = cell('action');
    if (action !== 'repartition' && action !== 'none') throw new DynpipeError('E_LOG_PARSE', `${where}: column action: expected repartition or none, got '${action}'`);
    return {
      time_ms: num('time_ms'), iteration: num('iteration'), plan_version: num('plan_version'), action,
      current_partition: list('current_partition', '-'), proposed_partition: list('proposed_partition', '-'), slowdowns: list('slowdowns', ' '),
      current_ms_per_iter: num('current_ms_per_iter'), proposed_ms_per_iter: num('proposed_ms_per_iter'), gain_ms_per_iter: num('gain_ms_per_iter'),
      remaining_iterations: num('remaining_iterations'), benefit_ms: num('benefit_ms'), cost_ms: num('cost_ms'), reason: cell('reason'),
    };
  });
}
