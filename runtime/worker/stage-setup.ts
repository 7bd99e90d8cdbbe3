/**
 * Building a rank's stage for a plan: its topology, fresh or checkpointed state, and exports of
 * that state for checkpoints and diagnostics. No sockets; checkpoints read and write files.
 */
import type { ModelSpec } from '../models/block.js';
import { initStageParams } from '../models/params.js';
import { type Plan, numStages, ranksOfStage, stageOfRank, stageRanges } from '../plan/plan.js';
import { createOptimizer } from '../train/optimizer.js';
import { exportBlocks, importBlocks, type StateEntries } from '../checkpoint/state-entries.js';
import { type CheckpointManifest, readBlockEntries } from '../checkpoint/stage-checkpoint.js';
import { checkReplaceable } from '../migration/plan-diff.js';
import { DynpipeError } from '../errors.js';
import type { StageTopology } from './executor.js';
import { StageState } from './stage-state.js';

export function stageTopology(plan: Plan, rank: number): StageTopology {
  const stage = stageOfRank(plan, rank);
  const stages = numStages(plan);
  return {
    stage,
    stages,
    prevRanks: stage > 0 ? ranksOfStage(plan, stage - 1) : [],
    ranks: ranksOfStage(plan, stage),
    nextRanks: stage < stages - 1 ? ranksOfStage(plan, stage + 1) : [],
    rank,
    microbatchSize: plan.microbatch_size,
  };
}

/** The blocks `rank` holds under `plan`, ascending. */
export function blocksOf(plan: Plan, rank: number): number[] {
  const [a, b] = stageRanges(plan)[stageOfRank(plan, rank)];
  return Array.from({ length: b - a }, (_, k) => a + k);
}

/** Freshly initialised state of `rank`'s stage (seeded: every rank builds the same weights). */
export function freshState(model: ModelSpec, plan: Plan, rank: number): StageState {
  const range = stageRanges(plan)[stageOfRank(plan, rank)];
  return new StageState(model, range, initStageParams(model, range, plan.training.seed), createOptimizer(plan.training));
}

/**
 * `rank`'s stage under `plan` loaded from the complete checkpoint in `dir` (its manifest already
 * read), at the checkpoint's weight version.
 * `plan` must be able to replace the checkpoint's plan (same model, ranks, microbatch, training).
 */
export async function resumedState(dir: string, manifest: CheckpointManifest, model: ModelSpec, plan: Plan, rank: number): Promise<StageState> {
  checkReplaceable(manifest.plan, plan, `plan for resuming ${dir}`);
  const blocks = blocksOf(plan, rank);
  const entries = await readBlockEntries(dir, manifest, blocks, rank);
  const { params, optimizer: slots } = importBlocks(model, blocks, entries, plan.training.optimizer, `checkpoint ${dir}`, 'E_CHECKPOINT');
  const optimizer = createOptimizer(plan.training);
  optimizer.importState(slots);
  for (const ts of slots.values()) for (const t of ts) t.dispose();
  const range = stageRanges(plan)[stageOfRank(plan, rank)];
  return new StageState(model, range, params, optimizer, manifest.weightVersion);
}

/** Host copies of a drained state's blocks (params and optimizer slots), for a checkpoint or a dump. */
export async function exportState(model: ModelSpec, state: StageState): Promise<StateEntries> {
  if (!state.isDrained) throw new DynpipeError('E_MIGRATION', `stage [${state.range.join(', ')}) is not drained; its state cannot be exported`);
  const blocks = Array.from({ length: state.range[1] - state.range[0] }, (_, k) => state.range[0] + k);
  return exportBlocks(model, blocks, state.params, state.optimizer);
}
