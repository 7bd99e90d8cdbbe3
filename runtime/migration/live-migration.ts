/**
 * Live stage migration on one rank, at a drained cut (cut-window.ts): only the blocks that change
 * owner move (plan-diff.ts), directly between the ranks concerned, all pairs at once, each pair's
 * blocks in execution order; weights AND optimizer slots move, so training continues exactly as if
 * nothing moved. At a drained cut no weight-stash version is in flight (every forward's backward
 * ran and stepped), so the live weights and the optimizer state are all there is to move.
 *
 * Make-before-break, per rank:
 *   1. take the drained state apart (StageState.detach) without freeing anything;
 *   2. as a receiver, send READY to each sender; as a sender, wait for each receiver's READY, then
 *      stream it the blocks (block-transfer.ts). A pair starts as soon as both ends drained, so
 *      transfers among downstream ranks overlap the drain of the stages upstream of them;
 *   3. build the new stage for the new block range from the kept and the received tensors and
 *      install the received optimizer slots;
 *   4. ACK each sender; as a sender, wait for each receiver's ACK and only then free the blocks
 *      that left (their tensors and optimizer slots).
 * If any step fails or a deadline passes, this throws and the job ends: the caller never runs on
 * half-moved state (a checkpoint taken at the cut stays intact on disk).
 */
import { DynpipeError } from '../errors.js';
import type { ModelSpec } from '../models/block.js';
import { paramKey, type StageParams } from '../models/params.js';
import { type Plan, stageOfRank, stageRanges } from '../plan/plan.js';
import type { DataPlane } from '../transport/data-plane.js';
import { exportBlocks, importBlocks } from '../checkpoint/state-entries.js';
import { StageState } from '../worker/stage-state.js';
import { ACK_TAG, READY_TAG, awaitSignal, recvEntries, sendEntries, sendSignal } from './block-transfer.js';
import { planDiff, transferGroups } from './plan-diff.js';

export interface LiveMigrationOptions {
  rank: number;
  model: ModelSpec;
  plane: DataPlane;
  /** Every rank's data endpoint (from the rendezvous): partners need not be neighbours. */
  endpoints: ReadonlyMap<number, string>;
  from: Plan;
  to: Plan;
  /** The new plan's version: it tags this change's messages. */
  planVersion: number;
  /** This rank's state under `from`, drained. Consumed: do not use it afterwards. */
  state: StageState;
  /** Deadline of each wait (a READY, each tensor, an ACK). */
  timeoutMs: number;
  /** Test hook: called after each tensor sent to `to` (index from 1). */
  afterEntrySent?(to: number, index: number): void;
}

export interface MigrationResult {
  /** This rank's stage under `to`, at the same weight version. */
  state: StageState;
  sentBytes: number;
  receivedBytes: number;
  sentBlocks: number[];
  receivedBlocks: number[];
}

export async function migrateLive(o: LiveMigrationOptions): Promise<MigrationResult> {
  const { rank, model, plane, planVersion, timeoutMs } = o;
  const diff = planDiff(o.from, o.to);
  const groups = transferGroups(diff);
  const outgoing = groups.filter((g) => g.from === rank);
  const incoming = groups.filter((g) => g.to === rank);
  for (const peer of new Set([...outgoing.map((g) => g.to), ...incoming.map((g) => g.from)])) {
    const e = o.endpoints.get(peer);
    if (!e) throw new DynpipeError('E_MIGRATION', `rank ${rank}: no endpoint known for migration partner rank ${peer}`);
    plane.connect(peer, e);
  }

  // 1. take the drained state apart
  const { params, optimizer, version } = o.state.detach();

  // 2. READY to senders; stream to receivers once they are ready; receive from senders
  await Promise.all(incoming.map((g) => sendSignal(plane, g.from, planVersion, READY_TAG, timeoutMs)));
  const [sent, received] = await Promise.all([
    Promise.all(outgoing.map(async (g) => {
      await awaitSignal(plane, g.to, planVersion, READY_TAG, timeoutMs);
      const entries = await exportBlocks(model, g.blocks, params, optimizer);
      return sendEntries(plane, g.to, planVersion, entries, timeoutMs, o.afterEntrySent && ((i) => o.afterEntrySent!(g.to, i)));
    })),
    Promise.all(incoming.map(async (g) => {
      const entries = await recvEntries(plane, g.from, planVersion, timeoutMs);
      let bytes = 0;
      for (const t of entries.values()) bytes += t.data.byteLength;
      return { bytes, ...importBlocks(model, g.blocks, entries, optimizer.kind, `rank ${rank}: migration from rank ${g.from}`, 'E_MIGRATION') };
    })),
  ]);

  // 3. make: the new stage from kept and received tensors
  const range = stageRanges(o.to)[stageOfRank(o.to, rank)];
  const arrived: StageParams = new Map(received.flatMap((r) => [...r.params]));
  const next: StageParams = new Map();
  for (let b = range[0]; b < range[1]; b++) {
    for (const spec of model.blocks[b].params) {
      const key = paramKey(b, spec.name);
      const t = arrived.get(key) ?? (diff.kept[rank].includes(b) ? params.get(key) : undefined);
      if (!t) throw new DynpipeError('E_MIGRATION', `rank ${rank}: block ${b} of the new stage neither stayed nor arrived (parameter '${key}')`);
      next.set(key, t);
    }
  }
  for (const r of received) {
    optimizer.importState(r.optimizer);
    for (const slots of r.optimizer.values()) for (const t of slots) t.dispose();
  }
  const state = new StageState(model, range, next, optimizer, version);

  // 4. ACK senders; break only after every receiver acknowledged
  await Promise.all(incoming.map((g) => sendSignal(plane, g.from, planVersion, ACK_TAG, timeoutMs)));
  await Promise.all(outgoing.map((g) => awaitSignal(plane, g.to, planVersion, ACK_TAG, timeoutMs)));
  const dropped: string[] = [];
  for (const b of diff.drops[rank]) for (const spec of model.blocks[b].params) dropped.push(paramKey(b, spec.name));
  for (const key of dropped) params.get(key)?.dispose();
  optimizer.dropState(dropped);

  return {
    state,
    sentBytes: sent.reduce((s, x) => s + x, 0),
    receivedBytes: received.reduce((s, r) => s + r.bytes, 0),
    sentBlocks: outgoing.flatMap((g) => g.blocks),
    receivedBlocks: incoming.flatMap((g) => g.blocks),
  };
}
