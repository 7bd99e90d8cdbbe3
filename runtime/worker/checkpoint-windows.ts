/**
 * Running a rank's microbatches [first, end) as drained windows with a checkpoint at each boundary.
 *
 * With `--checkpoint-every K` the schedule runs windows that end at multiples of K; every window
 * ends drained (no microbatch in flight, one weight version, no pending gradient), and there this
 * rank writes its file of the set for that microbatch and reports it; the coordinator writes the
 * manifest once every rank has (coordinator/checkpoint-collector.ts). Training never waits for it.
 *
 * Invariant: the windows are a function of (K, end) alone, so a job resumed from the checkpoint at
 * cut c runs exactly the windows the uninterrupted job ran after c, with the same weights, optimizer
 * state and data (microbatch m is a pure function of m and the seed): its final weights are the
 * uninterrupted run's, bit for bit. The cost: 1F1B refills the pipeline once per window, as
 * PipeDream does at epoch ends. Without K there is one window, [first, end).
 */
import type { ModelSpec } from '../models/block.js';
import { type Plan, inFlight } from '../plan/plan.js';
import { createSchedule } from '../schedule/schedule.js';
import { DynpipeError } from '../errors.js';
import type { CheckpointStore } from '../checkpoint/checkpoint-store.js';
import type { RankFileRecord } from '../checkpoint/manifest.js';
import { exportBlocks } from '../checkpoint/state-entries.js';
import type { StageExecutor } from './executor.js';
import type { StageState } from './stage-state.js';

/** The windows [a, b) covering [first, end), cut at every multiple of `every` (one window without). */
export function windowsOf(first: number, end: number, every?: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let a = first; a < end; ) {
    const b = every ? Math.min(end, (Math.floor(a / every) + 1) * every) : end;
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

export interface CheckpointReport extends RankFileRecord {
  cut: number;
  planVersion: number;
  weightVersion: number;
}

export interface WindowedRun {
  plan: Plan;
  planVersion: number;
  model: ModelSpec;
  rank: number;
  stage: number;
  stages: number;
  replicated: boolean;
  first: number;
  end: number;
  state: StageState;
  executor: StageExecutor;
  checkpoint?: { store: CheckpointStore; every: number; report(r: CheckpointReport): Promise<void> };
}

/** Runs every window; after each that ends at a multiple of `every`, writes and reports the rank's file. */
export async function runWindows(r: WindowedRun): Promise<void> {
  for (const [a, b] of windowsOf(r.first, r.end, r.checkpoint?.every)) {
    await r.executor.run(createSchedule(r.plan.schedule, {
      stages: r.stages, stage: r.stage, first: a, microbatches: b - a, v0: r.state.version, inFlight: inFlight(r.plan),
      microbatchesPerStep: r.plan.schedule === 'gpipe' ? r.plan.microbatches_per_step : undefined, replicated: r.replicated,
    }));
    if (r.checkpoint && b % r.checkpoint.every === 0) {
      const record = await saveStage(r.checkpoint.store, r, b);
      await r.checkpoint.report({ ...record, cut: b, planVersion: r.planVersion, weightVersion: r.state.version });
    }
  }
}

/** Writes this rank's file of the set at microbatch `cut`; the state must be drained. */
async function saveStage(store: CheckpointStore, r: WindowedRun, cut: number): Promise<RankFileRecord> {
  const s = r.state;
  if (s.inFlightCount > 0 || s.heldVersions.length !== 1 || s.accumulated !== undefined) {
    throw new DynpipeError('E_CHECKPOINT', `rank ${r.rank}: stage not drained at microbatch ${cut} (${s.inFlightCount} in flight, versions [${s.heldVersions.join(', ')}])`);
  }
  const blocks = Array.from({ length: s.range[1] - s.range[0] }, (_, k) => s.range[0] + k);
  const entries = await exportBlocks(r.model, blocks, s.params, s.optimizer);
  return store.writeRankFile(entries, {
    rank: r.rank, blocks, cutMicrobatch: cut, weightVersion: s.version, planVersion: r.planVersion, seed: r.plan.training.seed, plan: r.plan,
  });
}
