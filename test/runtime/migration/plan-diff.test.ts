import { strict as assert } from 'node:assert';
import { validatePlan, type Plan } from '../../../runtime/plan/plan.js';
import { blockOwners, changedBlocks, checkReplaceable, planDiff, transferGroups } from '../../../runtime/migration/plan-diff.js';
import { isDynpipeError } from '../../../runtime/errors.js';

function plan(partition: number[], stageRanks: number[][], extra: Record<string, unknown> = {}): Plan {
  return validatePlan({
    version: 1,
    model: { name: 'mlp', args: { hidden: 8, layers: 5 } },
    num_blocks: partition.reduce((a, b) => a + b, 0),
    partition,
    stage_to_rank_map: Object.fromEntries(stageRanks.map((r, s) => [String(s), r])),
    microbatch_size: 8,
    ...extra,
  });
}

describe('plan diff', () => {
  it('lists block owners per plan', () => {
    assert.deepEqual(blockOwners(plan([2, 1, 3], [[0], [1, 2], [3]])), [[0], [0], [1, 2], [3], [3], [3]]);
  });

  it('moves only the blocks that change owner, in execution order per pair', () => {
    // [2,2,2] -> [1,2,3]: block 1 goes 0 -> 1, block 3 goes 1 -> 2; blocks 0, 2, 4, 5 stay.
    const a = plan([2, 2, 2], [[0], [1], [2]]);
    const b = plan([1, 2, 3], [[0], [1], [2]]);
    const d = planDiff(a, b);
    assert.deepEqual(d.transfers, [{ block: 1, from: 0, to: 1 }, { block: 3, from: 1, to: 2 }]);
    assert.deepEqual(d.drops, [[1], [3], []]);
    assert.deepEqual(d.kept, [[0], [2], [4, 5]]);
    assert.equal(changedBlocks(a, b), 2);
  });

  it('groups several moved blocks of one pair, ascending', () => {
    const d = planDiff(plan([1, 5], [[0], [1]]), plan([4, 2], [[0], [1]]));
    assert.deepEqual(transferGroups(d), [{ from: 1, to: 0, blocks: [1, 2, 3] }]);
    assert.deepEqual(d.drops, [[], [1, 2, 3]]);
  });

  it('an identical placement moves nothing', () => {
    const a = plan([3, 3], [[0], [1, 2]]);
    const d = planDiff(a, plan([3, 3], [[0], [1, 2]], { schedule: 'gpipe' }));
    assert.deepEqual(d.transfers, []);
    assert.equal(changedBlocks(a, a), 0);
  });

  it('a new replica gets one copy from one existing owner; old replicas spread the sends', () => {
    // Stage 1 (blocks 3..5) on [1, 2] becomes blocks 3..5 on [1, 2, 3]... with rank 3 taken from stage 2.
    const a = plan([3, 2, 1], [[0], [1, 2], [3]]);
    const b = plan([3, 3], [[0], [1, 2, 3]]);
    const d = planDiff(a, b);
    // Blocks 3, 4 were on [1, 2]; the one new holder (3) takes them from rank 1 (receiver 0 -> owner 0).
    // Block 5 was on [3]; new holders 1 and 2 both take it from rank 3.
    assert.deepEqual(d.transfers, [
      { block: 3, from: 1, to: 3 },
      { block: 4, from: 1, to: 3 },
      { block: 5, from: 3, to: 1 },
      { block: 5, from: 3, to: 2 },
    ]);
    assert.deepEqual(d.drops, [[], [], [], []]);
  });

  it('two new replicas of a replicated stage take their copies from different old replicas', () => {
    const a = plan([2, 2], [[0, 1], [2, 3]]);
    const b = plan([1, 3], [[0], [1, 2, 3]]);
    const d = planDiff(a, b);
    // Block 1 (old holders 0, 1): new holders 1, 2, 3, of which 2 and 3 are new: from 0 and 1.
    assert.deepEqual(d.transfers.filter((t) => t.block === 1), [{ block: 1, from: 0, to: 2 }, { block: 1, from: 1, to: 3 }]);
    // Blocks 2, 3 (old holders 2, 3): rank 1 is the one new holder; it takes both from rank 2.
    assert.deepEqual(d.transfers.filter((t) => t.block >= 2), [{ block: 2, from: 2, to: 1 }, { block: 3, from: 2, to: 1 }]);
    assert.deepEqual(d.drops, [[1], [0], [], []]);
  });

  it('refuses a plan for another model, world size, microbatch or optimizer, naming the field', () => {
    const a = plan([2, 2, 2], [[0], [1], [2]]);
    const cases: Array<[Plan, RegExp]> = [
      [validatePlan({ ...a, model: { name: 'tinycnn', args: {} } }), /model is 'tinycnn'/],
      [validatePlan({ ...a, model: { name: 'mlp', args: { hidden: 9, layers: 5 } } }), /model\.args/],
      [plan([3, 3], [[0], [1]]), /uses 2 ranks, the job runs 3/],
      [validatePlan({ ...a, microbatch_size: 4 }), /microbatch_size is 4/],
      [validatePlan({ ...a, training: { ...a.training, lr: 0.5 } }), /training settings/],
    ];
    for (const [next, message] of cases) {
      assert.throws(() => checkReplaceable(a, next, 'new.json'), (e: unknown) => isDynpipeError(e, 'E_PLAN_INVALID') && message.test(e.message) && e.message.startsWith('new.json: '));
    }
  });
});
