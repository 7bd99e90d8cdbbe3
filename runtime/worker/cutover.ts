/**
 * What a rank does once its window ended drained at an agreed cut M (migration/cut-window.ts):
 *
 *   live (simple, dynpipe)   [checkpoint] -> drained -> [wait proceed migrate] -> migrate the moved
 *                            blocks (migration/live-migration.ts) -> switch the data plane to the
 *                            new plan version -> migrated -> wait proceed resume
 *   restart (dynpipe-re)     checkpoint -> drained -> wait proceed exit (the launcher restarts every
 *                            rank with the new plan and --resume; stage-setup.ts loads it)
 *
 * The coordinator's barriers make every rank switch plan version together: no message of the new
 * version reaches a rank still at the old one (the data plane would drop it). Every wait has the
 * migration deadline; a failure ends the rank, and the coordinator ends the job.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelSpec } from '../models/block.js';
import type { Plan } from '../plan/plan.js';
import type { DataPlane } from '../transport/data-plane.js';
import type { ControlClient } from '../transport/control.js';
import type { CheckpointStore } from '../checkpoint/checkpoint-store.js';
import { type RankFileRecord, rankFileName } from '../checkpoint/manifest.js';
import { writeFileAtomic } from '../checkpoint/atomic-file.js';
import { encodeTensors } from '../checkpoint/tensor-file.js';
import { migrateLive } from '../migration/live-migration.js';
import { DynpipeError } from '../errors.js';
import type { PlanChange } from './plan-change.js';
import { exportState, stageTopology } from './stage-setup.js';
import { saveStage } from './checkpoint-windows.js';
import type { StageState } from './stage-state.js';

export interface CutoverContext {
  rank: number;
  model: ModelSpec;
  plane: DataPlane;
  control: ControlClient;
  /** Every rank's data endpoint, from the rendezvous. */
  endpoints: ReadonlyMap<number, string>;
  clock(): number;
  timeoutMs: number;
  /** The store checkpoints at cuts go to (required by dynpipe-re, optional for live migration). */
  store?: CheckpointStore;
  /** DIAGNOSTIC HOOK: after each change, this rank's new state goes to <dir>/post-v<version>/. */
  dumpDir?: string;
  /** TEST HOOK: called after each tensor a migration sent. */
  afterEntrySent?(to: number, index: number): void;
}

export interface LiveCutoverResult {
  state: StageState;
  drainedAtMs: number;
  pauseMs: number;
  sentBytes: number;
  receivedBytes: number;
  receivedBlocks: number[];
  sentBlocks: number[];
}

async function proceed(ctx: CutoverContext, planVersion: number, action: 'migrate' | 'resume' | 'exit'): Promise<void> {
  const m = await ctx.control.next(['proceed'], ctx.timeoutMs);
  if (m.planVersion !== planVersion || m.action !== action) {
    throw new DynpipeError('E_MESSAGE', `rank ${ctx.rank}: expected proceed '${action}' for plan version ${planVersion}, got '${m.action}' for version ${m.planVersion}`);
  }
}

/**
 * Writes this rank's file of the set at `change`'s cut (the set the job continues from under the
 * new plan version: its blocks of the old plan, re-sliced on reading); returns its record as
 * 'drained' carries it (the message names the rank).
 */
async function checkpoint(ctx: CutoverContext, store: CheckpointStore, state: StageState, from: Plan, change: PlanChange): Promise<Omit<RankFileRecord, 'rank'>> {
  const { rank: _rank, ...record } = await saveStage(store, ctx.model, state, { rank: ctx.rank, cut: change.cutAt, planVersion: change.planVersion, plan: from });
  return record;
}

/** Writes the diagnostic dump of `state` after the change to `planVersion`: <dumpDir>/post-v<version>/rank-<r>.tensors. */
export async function dumpState(ctx: CutoverContext, state: StageState, planVersion: number): Promise<void> {
  if (!ctx.dumpDir) return;
  const dir = join(ctx.dumpDir, `post-v${planVersion}`);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new DynpipeError('E_IO', `cannot create dump directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const entries = await exportState(ctx.model, state);
  await writeFileAtomic(join(dir, rankFileName(ctx.rank)), encodeTensors(entries, { rank: ctx.rank, planVersion, weightVersion: state.version }));
}

export async function liveCutover(ctx: CutoverContext, state: StageState, from: Plan, change: PlanChange): Promise<LiveCutoverResult> {
  const drainedAtMs = ctx.clock();
  const file = ctx.store ? await checkpoint(ctx, ctx.store, state, from, change) : null;
  await ctx.control.send({ type: 'drained', rank: ctx.rank, planVersion: change.planVersion, drainedAtMs, weightVersion: state.version, checkpoint: file }, ctx.timeoutMs);
  if (change.barrier) await proceed(ctx, change.planVersion, 'migrate');
  const t0 = ctx.clock();
  const moved = await migrateLive({
    rank: ctx.rank, model: ctx.model, plane: ctx.plane, endpoints: ctx.endpoints, from, to: change.plan, planVersion: change.planVersion,
    state, timeoutMs: ctx.timeoutMs, afterEntrySent: ctx.afterEntrySent,
  });
  ctx.plane.setPlanVersion(change.planVersion);
  const topo = stageTopology(change.plan, ctx.rank);
  for (const peer of new Set([...topo.prevRanks, ...topo.ranks, ...topo.nextRanks])) {
    if (peer !== ctx.rank) ctx.plane.connect(peer, ctx.endpoints.get(peer)!);
  }
  await dumpState(ctx, moved.state, change.planVersion);
  await ctx.control.send({ type: 'migrated', rank: ctx.rank, planVersion: change.planVersion, sentBytes: moved.sentBytes, receivedBytes: moved.receivedBytes, migrateMs: ctx.clock() - t0 }, ctx.timeoutMs);
  await proceed(ctx, change.planVersion, 'resume');
  return { ...moved, drainedAtMs, pauseMs: ctx.clock() - drainedAtMs };
}

/** dynpipe-re: checkpoint, report, and wait to be told to exit (the launcher restarts the job). */
export async function restartCutover(ctx: CutoverContext, state: StageState, from: Plan, change: PlanChange): Promise<void> {
  if (!ctx.store) throw new DynpipeError('E_USAGE', 'mode dynpipe-re needs --checkpoint-dir');
  const drainedAtMs = ctx.clock();
  const file = await checkpoint(ctx, ctx.store, state, from, change);
  await ctx.control.send({ type: 'drained', rank: ctx.rank, planVersion: change.planVersion, drainedAtMs, weightVersion: state.version, checkpoint: file }, ctx.timeoutMs);
  await proceed(ctx, change.planVersion, 'exit');
}
