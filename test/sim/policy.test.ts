import { strict as assert } from 'node:assert';
import { validatePlan } from '../../runtime/plan/plan.js';
import { PlannerPolicy, proposedInFlight } from '../../runtime/sim/planner-policy.js';
import { type PolicyInput, measuredRatios } from '../../runtime/sim/policy.js';
import { SimplePolicy, proportionalPartition } from '../../runtime/sim/simple-policy.js';
import { blocksOf } from './helpers.js';

// 4 blocks of 1 ms each (f 0.25 + b 0.75), 2 stages of 2 blocks on ranks 0 and 1
const blocks = blocksOf([0.25, 0.25, 0.25, 0.25], [0.75, 0.75, 0.75, 0.75], { paramBytes: 1000 });
const plan = validatePlan({ version: 1, model: { name: 'test' }, num_blocks: 4, partition: [2, 2], stage_to_rank_map: { '0': [0], '1': [1] }, microbatch_size: 8 });

/** A window where rank 1 computes `slow` times its baseline (2 ms per microbatch unslowed). */
function input(slow: number, timeMs = 1000): PolicyInput {
  return {
    timeMs, iteration: 100, totalIterations: 1100, plan, blocks,
    windows: [
      { rank: 0, stage: 0, microbatches: 20, computeMs: 2, waitMs: 0, rows: 8 },
      { rank: 1, stage: 1, microbatches: 20, computeMs: 2 * slow, waitMs: 1, rows: 8 },
    ],
  };
}

describe('simulator policies', () => {
  it('measured ratios: compute over the unslowed cost of the rank\'s rows (plus its step)', () => {
    assert.deepEqual(measuredRatios(input(3)), [1, 3]);
    assert.deepEqual(measuredRatios(input(3), () => 2), [0.5, 1.5]);
  });

  it('proportional partition: each cut at the boundary nearest the speed-weighted share', () => {
    assert.deepEqual(proportionalPartition(blocks, [1, 0.5]), [3, 1]); // targets 8/3 of 4 ms: boundary 3
    assert.deepEqual(proportionalPartition(blocks, [1, 1]), [2, 2]);
    assert.deepEqual(proportionalPartition(blocks, [1, 1, 1, 1]), [1, 1, 1, 1]);
    assert.deepEqual(proportionalPartition(blocksOf([1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 6]), [1, 1]), [5, 1]); // work 1,1,1,1,1,7: half is 6, after block 5
  });

  it('simple: rebalances only above the threshold and after the dwell time', () => {
    const simple = new SimplePolicy({ threshold: 0.25, dwellMs: 500 });
    assert.equal(simple.decide(input(1.2)).action, 'none');
    const d = simple.decide(input(2));
    assert.equal(d.action, 'repartition');
    assert.deepEqual(d.plan?.partition, [3, 1]);
    assert.deepEqual(d.plan?.stage_to_rank_map, plan.stage_to_rank_map);
    simple.applied(1000);
    assert.equal(simple.decide(input(2, 1400)).action, 'none'); // 400 ms < dwell
    assert.equal(simple.decide(input(2, 1500)).action, 'repartition');
  });

  it('planner stand-in: asks the planner with measured slowdowns, confirms, and weighs the gain against the pause', () => {
    const settings = {
      objective: { kind: 'pipedream' as const }, bandwidthBytesPerS: 1e9, horizonIterations: 1000, confirmWindows: 2, dwellMs: 0, margin: 0,
      pause: { kind: 'live' as const, fixedMs: 10, bandwidthBytesPerS: 1e6 },
    };
    const policy = new PlannerPolicy(settings);
    // slowdowns [1, 3]: [2, 2] costs max(2, 6) = 6 ms, [3, 1] costs max(3, 3) = 3 ms; gain 3 ms x 1000 left > 12 ms pause
    const first = policy.decide(input(3));
    assert.equal(first.action, 'none');
    assert.match(first.reason, /pays in 1 of 2 windows/);
    const second = policy.decide(input(3));
    assert.equal(second.action, 'repartition');
    assert.deepEqual(second.plan?.partition, [3, 1]);
    assert.equal(new PlannerPolicy(settings).decide(input(1)).action, 'none'); // nothing better than the current plan
    const dear = new PlannerPolicy({ ...settings, confirmWindows: 1, pause: { kind: 'restart', fixedMs: 3001, bandwidthBytesPerS: 1e6 } });
    assert.match(dear.decide(input(3)).reason, /does not pay/); // 3 ms x 1000 = 3000 < 3001 + 6 ms: rank 0 reloads 3 blocks x 2000 bytes
  });

  it('planner stand-in: a proposed plan deeper than ceil(N / replicas of stage 0) states in_flight = its stages', () => {
    const deep = validatePlan({ ...plan, num_blocks: 4, partition: [2, 1, 1], stage_to_rank_map: { '0': [0, 1], '1': [2], '2': [3] } });
    assert.equal(proposedInFlight(plan, deep), 3); // the default would be ceil(4 / 2) = 2
    assert.equal(proposedInFlight(plan, plan), undefined); // 2 stages, 2 ranks: the default is right
    assert.equal(proposedInFlight(validatePlan({ ...plan, in_flight: 5 }), deep), 5);
    assert.equal(proposedInFlight(validatePlan({ ...plan, in_flight: 2 }), deep), 3);
  });
});
