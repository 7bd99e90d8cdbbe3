/**
 * A rank's stage rebuilt from a complete checkpoint set, under the plan it runs now: the blocks it
 * owns are read from whichever files hold them (checkpoint/reslice.ts), parameters and optimizer
 * slots installed, at the set's weight version. The set was taken with the pipeline drained, so
 * there is no stashed version or gradient to restore: live weights and optimizer state are all.
 */
import type { ModelSpec } from '../models/block.js';
import { type Plan, stageOfRank, stageRanges } from '../plan/plan.js';
import { createOptimizer } from '../train/optimizer.js';
import { type CompleteSet, openCheckpoint, readBlocks } from '../checkpoint/checkpoint-store.js';
import { blocksOfRank } from '../checkpoint/reslice.js';
import { checkResumable, resumedPlanVersion } from '../checkpoint/resume-plan.js';
import { DynpipeError } from '../errors.js';
import { importBlocks } from '../checkpoint/state-entries.js';
import { StageState } from './stage-state.js';

export async function resumeStage(set: CompleteSet, model: ModelSpec, plan: Plan, rank: number): Promise<StageState> {
  checkResumable(set.manifest, plan, `checkpoint ${set.dir}`);
  const blocks = blocksOfRank(plan, rank);
  const entries = await readBlocks(set, blocks, rank);
  const { params, optimizer: slots } = importBlocks(model, blocks, entries, plan.training.optimizer, `checkpoint ${set.dir}`, 'E_CHECKPOINT');
  const optimizer = createOptimizer(plan.training);
  optimizer.importState(slots);
  for (const ts of slots.values()) for (const t of ts) t.dispose();
  return new StageState(model, stageRanges(plan)[stageOfRank(plan, rank)], params, optimizer, set.manifest.weightVersion);
}

export interface ResumePoint {
  set: CompleteSet;
  /** First microbatch to run: the set's cut. */
  first: number;
  planVersion: number;
}

/**
 * The checkpoint `path` names (a set directory, or a store root: its newest complete set, each
 * newer set skipped said with its reason), checked against `plan` and the run's end.
 */
export async function openResumePoint(path: string, plan: Plan, numMinibatches: number, say: (line: string) => void): Promise<ResumePoint> {
  const { set, skipped } = await openCheckpoint(path);
  for (const s of skipped) say(`checkpoint ${s.dir} skipped: ${s.reason}`);
  checkResumable(set.manifest, plan, `checkpoint ${set.dir}`);
  const first = set.manifest.cutMicrobatch;
  if (first >= numMinibatches) throw new DynpipeError('E_USAGE', `--num-minibatches ${numMinibatches} ends at or before checkpoint ${set.dir}'s microbatch ${first}`);
  return { set, first, planVersion: resumedPlanVersion(set.manifest, plan) };
}
