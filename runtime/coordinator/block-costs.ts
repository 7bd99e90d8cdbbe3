/**
 * The per-block costs the planner needs while a job runs, from one of two sources:
 *
 *  - a profile (`--profile`, profile/format.ts): measured or imported block times, scaled linearly
 *    from the profile's batch size to the plan's microbatch size;
 *  - a calibration window of the running job: each stage's measured compute per microbatch
 *    (forward + backward + optimizer, scaled to the whole microbatch when the stage is replicated)
 *    split over its blocks in proportion to their forward FLOPs (parameter count when the model
 *    declares no FLOPs, equal shares when it has neither). This assumes the calibration window ran
 *    without interference, and it charges per-stage fixed overheads to the blocks.
 *
 * Activation and parameter bytes always come from the model's blocks. Forward/backward are split
 * 1:2 for the calibrated costs (only their sum matters to the planner). Pure: no I/O.
 */
import { DynpipeError } from '../errors.js';
import { activationBytesPerSample, blockParamCount, type ModelSpec } from '../models/block.js';
import { type Plan, ranksOfStage, stageRanges } from '../plan/plan.js';
import type { BlockCost } from '../../partitioner/cost.js';
import type { Profile } from '../../profile/format.js';
import type { RankWindow } from './rank-stats.js';

const BYTES_PER_FLOAT = 4;

function bytesOf(model: ModelSpec, block: number, microbatchSize: number): { activationBytes: number; paramBytes: number } {
  const b = model.blocks[block];
  return {
    activationBytes: activationBytesPerSample(b.outputShape) * microbatchSize,
    paramBytes: BYTES_PER_FLOAT * blockParamCount(b, false),
  };
}

/** Block costs from a profile of the same model; E_PROFILE_PARSE if it has another block count. */
export function profileBlockCosts(profile: Profile, model: ModelSpec, microbatchSize: number, source = 'profile'): BlockCost[] {
  if (profile.blocks.length !== model.blocks.length) {
    throw new DynpipeError('E_PROFILE_PARSE', `${source}: has ${profile.blocks.length} blocks, model ${model.name} has ${model.blocks.length}`);
  }
  const scale = microbatchSize / profile.batch_size;
  return profile.blocks.map((p, i) => ({ forwardMs: p.forward_ms * scale, backwardMs: p.backward_ms * scale, ...bytesOf(model, i, microbatchSize) }));
}

/** Relative work of each block: FLOPs, else parameters, else 1 (module comment). */
function blockWeights(model: ModelSpec, a: number, b: number): number[] {
  const blocks = model.blocks.slice(a, b);
  const flops = blocks.map((x) => x.flops);
  if (flops.every((f) => f > 0)) return flops;
  const params = blocks.map((x) => blockParamCount(x, false));
  if (params.every((p) => p > 0)) return params;
  return blocks.map(() => 1);
}

/**
 * Block costs calibrated from one window of measurements under `plan` (module comment). Throws
 * E_USAGE naming the stage if no rank of some stage reported in the window.
 */
export function calibratedBlockCosts(model: ModelSpec, plan: Plan, windows: readonly RankWindow[]): BlockCost[] {
  const byRank = new Map(windows.map((w) => [w.rank, w]));
  const out: BlockCost[] = [];
  stageRanges(plan).forEach(([a, b], stage) => {
    const seen = ranksOfStage(plan, stage).flatMap((r) => (byRank.has(r) ? [byRank.get(r)!] : []));
    if (seen.length === 0) throw new DynpipeError('E_USAGE', `calibration: no stats from stage ${stage} (ranks ${ranksOfStage(plan, stage).join(', ')})`);
    // Per-row cost times the whole microbatch, averaged over the replicas that reported.
    const stageMs = seen.reduce((s, w) => s + (w.computeMs / w.rows) * plan.microbatch_size, 0) / seen.length;
    const weights = blockWeights(model, a, b);
    const total = weights.reduce((s, x) => s + x, 0);
    weights.forEach((wt, k) => {
      const ms = (stageMs * wt) / total;
      out.push({ forwardMs: ms / 3, backwardMs: (2 * ms) / 3, ...bytesOf(model, a + k, plan.microbatch_size) });
    });
  });
  return out;
}

/** Forward + backward ms of blocks [a, b) for one whole microbatch on an unslowed rank. */
export function rangeComputeMs(blocks: readonly BlockCost[], a: number, b: number): number {
  let ms = 0;
  for (let i = a; i < b; i++) ms += blocks[i].forwardMs + blocks[i].backwardMs;
  return ms;
}
