import { strict as assert } from 'node:assert';
import { validatePlan } from '../../../runtime/plan/plan.js';
import { SimplePolicy, proportionalPartition } from '../../../runtime/coordinator/simple-policy.js';
import type { RankWindow } from '../../../runtime/coordinator/rank-stats.js';
import type { BlockCost } from '../../../partitioner/cost.js';

function blocks(ms: number[]): BlockCost[] {
  return ms.map((m) => ({ forwardMs: m / 2, backwardMs: m / 2, activationBytes: 0, paramBytes: 0 }));
}

const PLAN = validatePlan({
  version: 1, model: { name: 'mlp', args: {} }, num_blocks: 4, partition: [2, 2], stage_to_rank_map: { '0': [0], '1': [1] }, microbatch_size: 8,
});

function windows(ms0: number, ms1: number): RankWindow[] {
  return [
    { rank: 0, stage: 0, microbatches: 20, computeMs: ms0, waitMs: 0, sendWaitMs: 0, windowMs: 100, rows: 8 },
    { rank: 1, stage: 1, microbatches: 20, computeMs: ms1, waitMs: 0, sendWaitMs: 0, windowMs: 100, rows: 8 },
  ];
}

describe('simple policy', () => {
  it('splits blocks in proportion to speed, at the nearest boundary, at least one block per stage', () => {
    assert.deepEqual(proportionalPartition(blocks([10, 10, 10, 10]), [1, 1]), [2, 2]);
    assert.deepEqual(proportionalPartition(blocks([10, 10, 10, 10]), [1, 1 / 3]), [3, 1]); // 40 · 3/4 = 30
    assert.deepEqual(proportionalPartition(blocks([5, 10, 20, 5]), [1, 1]), [2, 2]); // target 20: prefix 15 is nearer than 35
    assert.deepEqual(proportionalPartition(blocks([10, 10, 10, 10]), [100, 1, 1]), [2, 1, 1]); // capped: two stages still need a block each
  });

  it('rebalances when a rank exceeds its baseline by the threshold', () => {
    const p = new SimplePolicy({ threshold: 0.2, dwellMs: 0 });
    const d = p.decide({ timeMs: 1, iteration: 10, totalIterations: 100, plan: PLAN, blocks: blocks([10, 10, 10, 10]), windows: windows(20, 60) });
    assert.equal(d.action, 'repartition');
    assert.deepEqual(d.plan!.partition, [3, 1]);
    // Regression: a `predicted: undefined` key travelled as msgpack nil and failed validation on the ranks.
    assert.deepEqual(Object.entries(d.plan!).filter(([, v]) => v === undefined), []);
    assert.deepEqual(d.slowdowns, [1, 3]);
    assert.equal(d.currentMsPerIter, 60);
    assert.equal(d.proposedMsPerIter, 30);
  });

  it('does nothing below the threshold or within the dwell time', () => {
    const quiet = new SimplePolicy({ threshold: 0.2, dwellMs: 0 });
    const d = quiet.decide({ timeMs: 1, iteration: 10, totalIterations: 100, plan: PLAN, blocks: blocks([10, 10, 10, 10]), windows: windows(20, 23) });
    assert.equal(d.action, 'none');
    assert.match(d.reason, /no rank exceeds its baseline by more than 20 %/);
    const dwelling = new SimplePolicy({ threshold: 0.2, dwellMs: 5000 });
    dwelling.applied(1000);
    const e = dwelling.decide({ timeMs: 3000, iteration: 10, totalIterations: 100, plan: PLAN, blocks: blocks([10, 10, 10, 10]), windows: windows(20, 60) });
    assert.equal(e.action, 'none');
    assert.match(e.reason, /dwell/);
  });
});
