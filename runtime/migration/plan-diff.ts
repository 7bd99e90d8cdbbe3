/**
 * What a plan change moves: for every block, the ranks that hold it under the old plan and under
 * the new one, and the copies that turn the first set into the second. Pure: plans in, lists out.
 *
 * Rules (each checked by test/runtime/migration/plan-diff.test.ts):
 *  - A rank that holds block b under both plans keeps its copy: nothing moves for it.
 *  - A rank that holds b only under the new plan receives one copy from one old holder. Replicas of
 *    a stage hold bit-identical weights and optimizer state (their gradients are all-reduced before
 *    every step), so any old holder will do; the i-th new receiver of b (ascending rank) takes it
 *    from old holder i mod |old holders|, which spreads a new replica set over the old one and
 *    gives every contiguous run of blocks of one old stage the same source.
 *  - A rank that holds b only under the old plan drops it, after its receivers acknowledged.
 *  - Transfers are listed by (from, to, block) ascending, so a pair's blocks come in execution order.
 */
import { DynpipeError } from '../errors.js';
import { type Plan, ranksOfStage, stageRanges, worldSize } from '../plan/plan.js';

export interface BlockTransfer {
  readonly block: number;
  readonly from: number;
  readonly to: number;
}

/** The blocks one rank sends to one other rank, ascending (execution order). */
export interface TransferGroup {
  readonly from: number;
  readonly to: number;
  readonly blocks: readonly number[];
}

export interface PlanDiff {
  /** Every copy to make, by (from, to, block) ascending. */
  readonly transfers: readonly BlockTransfer[];
  /** drops[r]: blocks rank r holds under the old plan and not under the new one, ascending. */
  readonly drops: readonly (readonly number[])[];
  /** kept[r]: blocks rank r holds under both plans, ascending. */
  readonly kept: readonly (readonly number[])[];
}

/** owners[b]: the ranks holding block b under `plan`, ascending. */
export function blockOwners(plan: Plan): number[][] {
  const owners: number[][] = Array.from({ length: plan.num_blocks }, () => []);
  stageRanges(plan).forEach(([a, b], stage) => {
    const ranks = [...ranksOfStage(plan, stage)].sort((x, y) => x - y);
    for (let block = a; block < b; block++) owners[block] = ranks;
  });
  return owners;
}

/**
 * Throws E_PLAN_INVALID unless `next` can replace `current` in a running job: the same model (name
 * and arguments), block count, world size, microbatch size and training settings. The schedule,
 * its in-flight depth and the partition may change.
 */
export function checkReplaceable(current: Plan, next: Plan, source = 'new plan'): void {
  const bad = (what: string) => new DynpipeError('E_PLAN_INVALID', `${source}: ${what}`);
  if (next.model.name !== current.model.name) throw bad(`model is '${next.model.name}', the job trains '${current.model.name}'`);
  if (JSON.stringify(sortedArgs(next.model.args)) !== JSON.stringify(sortedArgs(current.model.args))) {
    throw bad(`model.args ${JSON.stringify(next.model.args)} differ from the job's ${JSON.stringify(current.model.args)}`);
  }
  if (next.num_blocks !== current.num_blocks) throw bad(`num_blocks is ${next.num_blocks}, the job's model has ${current.num_blocks}`);
  if (worldSize(next) !== worldSize(current)) throw bad(`uses ${worldSize(next)} ranks, the job runs ${worldSize(current)}`);
  if (next.microbatch_size !== current.microbatch_size) throw bad(`microbatch_size is ${next.microbatch_size}, the job's is ${current.microbatch_size}`);
  if (JSON.stringify(next.training) !== JSON.stringify(current.training)) {
    throw bad(`training settings ${JSON.stringify(next.training)} differ from the job's ${JSON.stringify(current.training)}`);
  }
}

function sortedArgs(args: Readonly<Record<string, unknown>>): Array<[string, unknown]> {
  return Object.entries(args).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The moves from `current` to `next` (module comment); checks they are replaceable first. */
export function planDiff(current: Plan, next: Plan): PlanDiff {
  checkReplaceable(current, next);
  const before = blockOwners(current);
  const after = blockOwners(next);
  const n = worldSize(current);
  const transfers: BlockTransfer[] = [];
  const drops: number[][] = Array.from({ length: n }, () => []);
  const kept: number[][] = Array.from({ length: n }, () => []);
  for (let block = 0; block < current.num_blocks; block++) {
    const old = before[block];
    const receivers = after[block].filter((r) => !old.includes(r));
    receivers.forEach((to, i) => transfers.push({ block, from: old[i % old.length], to }));
    for (const r of old) (after[block].includes(r) ? kept : drops)[r].push(block);
  }
  transfers.sort((x, y) => x.from - y.from || x.to - y.to || x.block - y.block);
  return { transfers, drops, kept };
}

/** The transfers grouped by (from, to) pair, in the diff's order. */
export function transferGroups(diff: PlanDiff): TransferGroup[] {
  const groups: Array<{ from: number; to: number; blocks: number[] }> = [];
  for (const t of diff.transfers) {
    const last = groups[groups.length - 1];
    if (last && last.from === t.from && last.to === t.to) last.blocks.push(t.block);
    else groups.push({ from: t.from, to: t.to, blocks: [t.block] });
  }
  return groups;
}

/** Number of blocks whose owner set changes (0 means the plans place every block identically). */
export function changedBlocks(current: Plan, next: Plan): number {
  const before = blockOwners(current);
  const after = blockOwners(next);
  return before.filter((o, b) => o.join(',') !== after[b].join(',')).length;
}

/** `3-4-4-5` style summary of blocks per stage, for logs. */
export function partitionLabel(plan: Plan): string {
  return plan.partition.join('-');
}
