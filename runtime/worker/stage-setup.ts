/**
 * Building a rank's stage for a plan: its topology, fresh state, and exports of that state for
 * checkpoints and diagnostics (a checkpointed state: resume-stage.ts). No sockets, no files.
 */
import type { ModelSpec } from '../models/block.js';
import { initStageParams } from '../models/params.js';
import { type Plan, numStages, ranksOfStage, stageOfRank, stageRanges } from '../plan/plan.js';
import { createOptimizer } from '../train/optimizer.js';
import { exportBlocks, type StateEntries } from '../checkpoint/state-entries.js';
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

/** Freshly initialised state of `rank`'s stage (seeded: every rank builds the same weights). */
export function freshState(model: ModelSpec, plan: Plan, rank: number): StageState {
  const range = stageRanges(plan)[stageOfRank(plan, rank)];
  return new StageState(model, range, initStageParams(model, range, plan.training.seed), createOptimizer(plan.training));
}

/** Host copies of a drained state's blocks (params and optimizer slots), for a checkpoint or a dump. */
export async function exportState(model: ModelSpec, state: StageState): Promise<StateEntries> {
  if (!state.isDrained) throw new DynpipeError('E_MIGRATION', `stage [${state.range.join(', ')}) is not drained; its state cannot be exported`);
  const blocks = Array.from({ length: state.range[1] - state.range[0] }, (_, k) => state.range[0] + k);
  return exportBlocks(model, blocks, state.params, state.optimizer);
}
