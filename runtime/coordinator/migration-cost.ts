/**
 * What one repartition costs, in ms of lost training time, for the controller's cost/benefit rule:
 *
 *   cost = fixedMs + movedBytes / bandwidth + bubbleMs
 *
 *  - fixedMs: the pause of the last repartition as measured (drained -> resumed at stage 0), or a
 *    default before the first one: for live migration the protocol's round trips, for
 *    checkpoint-and-restart the process restart (seconds).
 *  - movedBytes: parameters plus optimizer slots of the blocks that change owner (plan-diff.ts),
 *    each sent once; pairs move in parallel, so this over-counts when several pairs move.
 *  - bubbleMs: the cut drains the old pipeline and refills the new one. A 1F1B fill or drain of S
 *    stages idles each rank about (S - 1) / 2 microbatch times, so
 *      bubble = ((S_old - 1) T_old + (S_new - 1) T_new) / 2,
 *    T = the plan's predicted time per microbatch.
 * Pure: no I/O.
 */
import { type Plan, numStages } from '../plan/plan.js';
import type { BlockCost } from '../../partitioner/cost.js';
import { planDiff } from '../migration/plan-diff.js';

export interface MigrationCostModel {
  /** Fixed cost of one repartition in ms (see module comment). */
  readonly fixedMs: number;
  readonly bandwidthBytesPerS: number;
  /** Optimizer slots per parameter (sgd 0, momentum 1, adam 3): they move with the weights. */
  readonly optimizerSlots: number;
}

export interface MigrationCost {
  readonly movedBytes: number;
  readonly transferMs: number;
  readonly bubbleMs: number;
  readonly totalMs: number;
}

export function migrationCost(model: MigrationCostModel, from: Plan, to: Plan, blocks: readonly BlockCost[], fromMsPerIter: number, toMsPerIter: number): MigrationCost {
  const diff = planDiff(from, to);
  const movedBytes = diff.transfers.reduce((s, t) => s + blocks[t.block].paramBytes * (1 + model.optimizerSlots), 0);
  const transferMs = (movedBytes / model.bandwidthBytesPerS) * 1000;
  const bubbleMs = ((numStages(from) - 1) * fromMsPerIter + (numStages(to) - 1) * toMsPerIter) / 2;
  return { movedBytes, transferMs, bubbleMs, totalMs: model.fixedMs + transferMs + bubbleMs };
}

export function optimizerSlots(kind: Plan['training']['optimizer']): number {
  return kind === 'sgd' ? 0 : kind === 'momentum' ? 1 : 3;
}
