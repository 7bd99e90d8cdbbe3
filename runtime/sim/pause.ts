/**
 * How long the pipeline stands still for a plan change, from the moment every rank has drained
 * the old plan's window to the moment all start the new one:
 *
 *   live migration (dynpipe):   pause = fixedMs + max_r (bytes rank r receives) / bandwidth
 *   checkpoint and restart (dynpipe-re):
 *                               pause = fixedMs + max_r (bytes rank r loads)    / bandwidth
 *
 * A rank receives the blocks it owns under the new plan and did not own before; after a restart
 * it loads every block of its new stage. Bytes per block = parameters · (1 + optimizer slots)
 * (momentum keeps one slot, adam three). Ranks move their blocks in parallel, so the slowest rank
 * sets the pause. fixedMs is the measured fixed part: for live migration the protocol's round
 * trips, for a restart the process start, backend set-up and rendezvous (flags; defaults in
 * DEFAULT_PAUSE). The drain before and the refill after are not in the pause: the simulator runs
 * them. Pure.
 */
import { check } from '../errors.js';
import { type Plan, ranksOfStage, stageRanges, worldSize } from '../plan/plan.js';
import type { BlockCost } from '../../partitioner/cost.js';
import { optimizerSlots } from '../coordinator/migration-cost.js';

export type ChangeKind = 'live' | 'restart';

export interface PauseModel {
  readonly kind: ChangeKind;
  readonly fixedMs: number;
  readonly bandwidthBytesPerS: number;
}

/**
 * Fixed parts by kind, measured (BENCHMARKS.md, "Repartitioning"): the scripted change [2,2,2,2] ->
 * [3,1,2,2] of a 4-rank mlp on the GPU node's CPUs paused stage 0 for 6.5 ms live and 773.8 ms
 * with checkpoint and restart.
 */
export const DEFAULT_PAUSE_FIXED_MS: Readonly<Record<ChangeKind, number>> = { live: 6.5, restart: 773.8 };

/** owners[i]: the ranks holding block i under `plan`. */
function blockOwners(plan: Plan): number[][] {
  const out: number[][] = [];
  stageRanges(plan).forEach(([a, b], s) => {
    for (let i = a; i < b; i++) out[i] = ranksOfStage(plan, s);
  });
  return out;
}

export interface PauseEstimate {
  readonly pauseMs: number;
  /** Bytes the slowest rank receives (live) or loads (restart). */
  readonly maxRankBytes: number;
  /** Blocks that change owner. */
  readonly movedBlocks: number;
}

/** The pause of moving from `from` to `to` (module comment); both plans split the same blocks. */
export function pauseFor(model: PauseModel, from: Plan, to: Plan, blocks: readonly BlockCost[]): PauseEstimate {
  check(model.fixedMs >= 0 && Number.isFinite(model.fixedMs), 'E_USAGE', () => `simulator: fixed pause must be a finite number >= 0 ms, got ${model.fixedMs}`);
  check(model.bandwidthBytesPerS > 0, 'E_USAGE', () => `simulator: migration bandwidth must be > 0, got ${model.bandwidthBytesPerS}`);
  const slots = 1 + optimizerSlots(to.training.optimizer);
  const before = blockOwners(from);
  const after = blockOwners(to);
  const bytes = new Float64Array(worldSize(to));
  let movedBlocks = 0;
  after.forEach((owners, i) => {
    const moved = owners.filter((r) => !before[i].includes(r));
    if (moved.length > 0) movedBlocks++;
    const loaders = model.kind === 'restart' ? owners : moved;
    for (const r of loaders) bytes[r] += blocks[i].paramBytes * slots;
  });
  const maxRankBytes = bytes.reduce((a, b) => Math.max(a, b), 0);
  return { pauseMs: model.fixedMs + (maxRankBytes / model.bandwidthBytesPerS) * 1000, maxRankBytes, movedBlocks };
}
