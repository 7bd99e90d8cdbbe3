/** Builds a run's summary.json content from its rank-log rows (see ./metrics.ts for definitions). */
import { DynpipeError } from '../errors.js';
import { busyByRank, interferenceWindows, repartitions, throughputSamplesPerS, timeToAccuracy } from './metrics.js';
import type { RankLogRow } from './rank-log.js';
import { validateSummary, type Summary } from './summary.js';

export interface RunDescription {
  mode: string;
  model: string;
  microbatchSize: number;
  /** When given, the summary records when eval accuracy first reached it. */
  targetAccuracy?: number;
}

/** The summary of one run; every number comes from `rows`. Throws E_DATA when `rows` is empty. */
export function summarizeRun(rows: readonly RankLogRow[], run: RunDescription): Summary {
  if (rows.length === 0) throw new DynpipeError('E_DATA', `summary of ${run.mode}/${run.model}: no log rows`);
  return validateSummary(
    {
      version: 1,
      mode: run.mode,
      model: run.model,
      microbatch_size: run.microbatchSize,
      duration_ms: rows.reduce((t, r) => Math.max(t, r.time_ms), 0),
      throughput_samples_per_s: throughputSamplesPerS(rows, run.microbatchSize),
      busy: busyByRank(rows),
      repartitions: repartitions(rows),
      time_to_accuracy:
        run.targetAccuracy === undefined ? null : { target_accuracy: run.targetAccuracy, time_ms: timeToAccuracy(rows, run.targetAccuracy) },
      interference: interferenceWindows(rows),
    },
    `summary of ${run.mode}/${run.model}`,
  );
}
