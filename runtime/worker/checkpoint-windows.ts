/**
 * Periodic checkpoints: a rank's microbatches [first, end) run as drained windows with a checkpoint
 * at each boundary, and the file a rank writes into a set (also at a plan change's cut).
 *
 * With `--checkpoint-every K` the schedule runs windows that end at multiples of K; every window
 * ends drained (no microbatch in flight, one weight version, no pending gradient), and there this
 * rank writes its file of the set for that microbatch and reports it; the coordinator writes the
 * manifest once every rank has (coordinator/checkpoint-collector.ts). Training never waits for it.
 *
 * Invariant: the windows are a function of (K, end) alone, so a job resumed from the checkpoint at
 * cut c runs exactly the windows the uninterrupted job ran after c, with the same weights, optimizer
 * state and data (microbatch m is a pure function of m and the seed): its final weights are the
 * uninterrupted run's, bit for bit (as long as no plan change cuts a window short). The cost: 1F1B
 * refills the pipeline once per window, as PipeDream does at epoch ends. Without K there is one
 * window, [first, end).
 */
import type { ModelSpec } from '../models/block.js';
import type { Plan } from '../plan/plan.js';
import { DynpipeError } from '../errors.js';
import type { CheckpointStore } from '../checkpoint/checkpoint-store.js';
import type { RankFileRecord } from '../checkpoint/manifest.js';
import { exportBlocks } from '../checkpoint/state-entries.js';
import type { StageState } from './stage-state.js';

/** The end of the window that starts at `first`: the next multiple of `every` after it, at most `end`. */
export function windowEnd(first: number, end: number, every?: number): number {
  return every ? Math.min(end, (Math.floor(first / every) + 1) * every) : end;
}

/** The windows [a, b) covering [first, end), cut at every multiple of `every` (one window without). */
export function windowsOf(first: number, end: number, every?: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let a = first; a < end; ) {
    const b = windowEnd(a, end, every);
    out.push([a, b]);
    a = b;
  }
  return out;
}

/** E_USAGE unless `every` splits training into whole optimizer steps of `plan`'s schedule. */
export function checkCheckpointEvery(plan: Plan, every: number): void {
  if (!Number.isSafeInteger(every) || every < 1) throw new DynpipeError('E_USAGE', `--checkpoint-every must be an integer >= 1, got ${every}`);
  if (plan.schedule === 'gpipe' && every % plan.microbatches_per_step !== 0) {
    throw new DynpipeError('E_USAGE', `--checkpoint-every ${every} must be a multiple of the plan's microbatches_per_step ${plan.microbatches_per_step} (gpipe steps once per flush)`);
  }
}

/** What a rank reports ('checkpointed') once its file of a periodic set is written. */
export interface CheckpointReport extends RankFileRecord {
  cut: number;
  planVersion: number;
  weightVersion: number;
}

export interface StageFileTarget {
  rank: number;
  /** The set: the microbatch the job continues at, and the plan version it continues under. */
  cut: number;
  planVersion: number;
  /** The plan the rank ran up to the cut. */
  plan: Plan;
}

/**
 * Writes this rank's file of the set (t.planVersion, t.cut) — the state of the blocks it holds —
 * and returns the record the manifest will carry. The state must be drained (E_CHECKPOINT).
 */
export async function saveStage(store: CheckpointStore, model: ModelSpec, state: StageState, t: StageFileTarget): Promise<RankFileRecord> {
  if (!state.isDrained) {
    throw new DynpipeError('E_CHECKPOINT', `rank ${t.rank}: stage not drained at microbatch ${t.cut} (${state.inFlightCount} in flight, versions [${state.heldVersions.join(', ')}])`);
  }
  const blocks = Array.from({ length: state.range[1] - state.range[0] }, (_, k) => state.range[0] + k);
  const entries = await exportBlocks(model, blocks, state.params, state.optimizer);
  return store.writeRankFile(entries, {
    rank: t.rank, blocks, cutMicrobatch: t.cut, weightVersion: state.version, planVersion: t.planVersion, seed: t.plan.training.seed, plan: t.plan,
  });
}
