/**
 * The controller's decision log: one CSV row per window decision, repartition or not, with the
 * numbers behind it (`--decision-log`). Rows are written as they come, so a failed run keeps them.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
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
