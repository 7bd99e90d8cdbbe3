/**
 * The simulator's own summary (`simulation.json`): what a run did, from the in-memory result (not
 * rounded through the logs). Definitions:
 *  - duration: from 0 to the last rank's end, pauses included;
 *  - a rank's busy fraction: its compute (forward + backward + optimizer) over the duration;
 *  - bubble fraction: idle / (ranks x duration), idle = ranks x duration - total compute; for a
 *    balanced GPipe pipeline without transfers this is (p - 1) / (m + p - 1);
 *  - throughput: (microbatches completed at the last stage - 1) x microbatch size over the time
 *    between the first and the last completion (runtime/log/metrics.ts's definition); a microbatch
 *    completes when its last replica of the last stage completes it.
 */
import { numStages } from '../plan/plan.js';
import type { SimulationResult } from './simulate.js';

export interface SimulationReport {
  readonly ranks: number;
  readonly microbatches: number;
  readonly events: number;
  readonly duration_ms: number;
  readonly throughput_samples_per_s: number | null;
  readonly bubble_fraction: number;
  readonly busy: ReadonlyArray<{ readonly rank: number; readonly busy_fraction: number }>;
  readonly repartitions: ReadonlyArray<{
    readonly plan_version: number;
    readonly decided_ms: number;
    readonly cut_at: number;
    readonly drained_ms: number;
    readonly resume_ms: number;
    readonly pause_ms: number;
    readonly moved_blocks: number;
    readonly old_partition: readonly number[];
    readonly new_partition: readonly number[];
  }>;
  readonly decisions: number;
}

/** Completion time of every microbatch at the last stage, ascending. */
export function completionTimes(result: SimulationResult): number[] {
  const out: number[] = [];
  for (const seg of result.segments) {
    const rec = seg.recorder;
    const last = seg.topology.stageRanks[numStages(seg.plan) - 1];
    for (let mb = seg.first; mb < seg.end; mb++) out.push(last.reduce((t, r) => Math.max(t, rec.doneMs[rec.cell(r, mb)]), -Infinity));
  }
  return out.sort((a, b) => a - b);
}

/** Compute ms of each rank over the whole run. */
export function computeByRank(result: SimulationResult): Float64Array {
  const ranks = result.segments[0].topology.ranks;
  const out = new Float64Array(ranks);
  for (const seg of result.segments) {
    const rec = seg.recorder;
    for (let r = 0; r < ranks; r++) {
      for (let j = 0; j < seg.end - seg.first; j++) {
        const c = r * rec.span + j;
        out[r] += rec.forwardMs[c] + rec.backwardMs[c] + rec.optimizerMs[c];
      }
    }
  }
  return out;
}

export function throughputOf(completions: readonly number[], microbatchSize: number): number | null {
  const n = completions.length;
  if (n < 2 || completions[n - 1] <= completions[0]) return null;
  return ((n - 1) * microbatchSize) / ((completions[n - 1] - completions[0]) / 1000);
}

export function simulationReport(result: SimulationResult): SimulationReport {
  const first = result.segments[0];
  const ranks = first.topology.ranks;
  const duration = result.endMs;
  const compute = computeByRank(result);
  const total = compute.reduce((a, b) => a + b, 0);
  const completions = completionTimes(result);
  return {
    ranks,
    microbatches: completions.length,
    events: result.events,
    duration_ms: duration,
    throughput_samples_per_s: throughputOf(completions, first.plan.microbatch_size),
    bubble_fraction: duration > 0 ? (ranks * duration - total) / (ranks * duration) : 0,
    busy: Array.from(compute, (ms, rank) => ({ rank, busy_fraction: duration > 0 ? ms / duration : 0 })),
    repartitions: result.repartitions.map((p) => ({
      plan_version: p.planVersion, decided_ms: p.decidedMs, cut_at: p.cutAt, drained_ms: p.drainedMs, resume_ms: p.resumeMs,
      pause_ms: p.pauseMs, moved_blocks: p.movedBlocks, old_partition: p.from.partition, new_partition: p.to.partition,
    })),
    decisions: result.decisions.length,
  };
}
