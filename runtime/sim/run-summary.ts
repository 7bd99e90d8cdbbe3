/**
 * The run's standard `summary.json` (runtime/log/summary.ts) built one rank at a time, so a
 * 512-rank simulation never holds every row at once. Each number comes from the same function
 * runtime/log/summarize.ts uses (runtime/log/metrics.ts), fed only the rows it reads: a rank's
 * steps for its busy fraction, last-stage steps for throughput, repartition rows, and the steps of
 * ranks with interference for the measured slowdowns. `build` equals `summarizeRun` over all rows.
 */
import { DynpipeError } from '../errors.js';
import { busyFraction, interferenceWindows, isInterference, isRepartition, isStep, repartitions, throughputSamplesPerS } from '../log/metrics.js';
import type { RankLogRow, StepRow } from '../log/rank-log.js';
import type { RunDescription } from '../log/summarize.js';
import { type RankBusy, type Summary, validateSummary } from '../log/summary.js';

export class RunSummaryBuilder {
  private durationMs = 0;
  private rows = 0;
  private readonly busy: RankBusy[] = [];
  private readonly lastStageSteps: StepRow[] = [];
  private readonly changes: RankLogRow[] = [];
  private readonly interfered: RankLogRow[] = [];

  /** @param lastStage last stage of each plan version */
  constructor(private readonly lastStage: (planVersion: number) => number) {}

  /** Every row of one rank (ranks in any order, each once). */
  addRank(rank: number, rows: readonly RankLogRow[]): void {
    this.rows += rows.length;
    for (const r of rows) this.durationMs = Math.max(this.durationMs, r.time_ms);
    const steps = rows.filter(isStep);
    const busy = busyFraction(steps);
    if (busy !== null) {
      const last = steps.reduce((a, b) => (b.time_ms >= a.time_ms ? b : a));
      this.busy.push({ rank, stage: last.stage, busy_fraction: busy });
    }
    for (const s of steps) if (s.stage === this.lastStage(s.plan_version)) this.lastStageSteps.push(s);
    this.changes.push(...rows.filter(isRepartition));
    if (rows.some(isInterference)) this.interfered.push(...rows.filter((r) => isInterference(r) || isStep(r)));
  }

  build(run: RunDescription): Summary {
    if (this.rows === 0) throw new DynpipeError('E_DATA', `summary of ${run.mode}/${run.model}: no log rows`);
    const byTime = <T extends RankLogRow>(list: T[]): T[] => list.sort((a, b) => a.time_ms - b.time_ms || a.rank - b.rank);
    return validateSummary(
      {
        version: 1,
        mode: run.mode,
        model: run.model,
        microbatch_size: run.microbatchSize,
        duration_ms: this.durationMs,
        throughput_samples_per_s: throughputSamplesPerS(this.lastStageSteps, run.microbatchSize),
        busy: [...this.busy].sort((a, b) => a.rank - b.rank),
        repartitions: repartitions(byTime(this.changes)),
        time_to_accuracy: run.targetAccuracy === undefined ? null : { target_accuracy: run.targetAccuracy, time_ms: null },
        interference: interferenceWindows(byTime(this.interfered)),
      },
      `summary of ${run.mode}/${run.model}`,
    );
  }
}
