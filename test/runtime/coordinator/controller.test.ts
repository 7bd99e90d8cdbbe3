/**
 * The dynpipe controller on synthetic window stats. The numbers are worked by hand:
 *
 *   4 blocks of 10 ms (forward 4 + backward 6), 2 ranks, plan [2, 2]; rank 1 measures 60 ms per
 *   microbatch for its 20 ms of blocks, so s = [1, 3]. PipeDream objective (links cost 0.002 ms):
 *     current [2, 2]: max(20·1, 20·3) = 60;  best [3, 1]: max(30·1, 10·3) = 30;  gain 30 ms/iter.
 *   cost = fixed 100 + 0 bytes moved + bubble ((2-1)·60 + (2-1)·30) / 2 = 45  ->  145 ms;
 *   with margin 0.5 the benefit must exceed 217.5 ms.
 */
import { strict as assert } from 'node:assert';
import { validatePlan, type Plan } from '../../../runtime/plan/plan.js';
import { RepartitionController, type ControllerConfig } from '../../../runtime/coordinator/controller.js';
import type { PolicyInput } from '../../../runtime/coordinator/policy.js';
import type { RankWindow } from '../../../runtime/coordinator/rank-stats.js';
import type { BlockCost } from '../../../partitioner/cost.js';
import { isDynpipeError } from '../../../runtime/errors.js';

const BLOCKS: BlockCost[] = Array.from({ length: 4 }, () => ({ forwardMs: 4, backwardMs: 6, activationBytes: 1000, paramBytes: 0 }));

const PLAN: Plan = validatePlan({
  version: 1, model: { name: 'mlp', args: { layers: 3 } }, num_blocks: 4, partition: [2, 2],
  stage_to_rank_map: { '0': [0], '1': [1] }, microbatch_size: 8,
});

const CONFIG: ControllerConfig = {
  horizonIterations: 500,
  confirmWindows: 2,
  dwellMs: 10_000,
  margin: 0.5,
  noise: 0,
  planner: { objective: { kind: 'pipedream' }, bandwidthBytesPerS: 1e9, maxReplicas: 1 },
  cost: { fixedMs: 100, bandwidthBytesPerS: 1e9, optimizerSlots: 1 },
};

function windows(ms0: number, ms1: number): RankWindow[] {
  return [
    { rank: 0, stage: 0, microbatches: 20, computeMs: ms0, waitMs: 1, sendWaitMs: 0, windowMs: 100, rows: 8 },
    { rank: 1, stage: 1, microbatches: 20, computeMs: ms1, waitMs: 1, sendWaitMs: 0, windowMs: 100, rows: 8 },
  ];
}

function input(timeMs: number, w: RankWindow[], iteration = 100, plan = PLAN): PolicyInput {
  return { timeMs, iteration, totalIterations: 1000, plan, blocks: BLOCKS, windows: w };
}

describe('repartition controller', () => {
  it('repartitions when the gain pays for the migration, after the confirmation windows', () => {
    const c = new RepartitionController(CONFIG);
    const first = c.decide(input(1000, windows(20, 60)));
    assert.equal(first.action, 'none');
    assert.match(first.reason, /pays .* in 1 of 2 consecutive windows/);
    assert.deepEqual(first.slowdowns, [1, 3]);
    assert.equal(first.currentMsPerIter, 60);
    assert.equal(first.proposedMsPerIter, 30);
    assert.equal(first.predictedGainMsPerIter, 30);
    assert.equal(first.remainingIterations, 500);
    assert.equal(first.benefitMs, 15_000);
    assert.equal(first.costMs, 145);
    const second = c.decide(input(2000, windows(20, 60)));
    assert.equal(second.action, 'repartition');
    assert.deepEqual(second.plan!.partition, [3, 1]);
    assert.deepEqual(second.plan!.stage_to_rank_map, { '0': [0], '1': [1] });
    assert.equal(second.plan!.microbatch_size, 8);
    // Regression: undefined keys (in_flight) travel as msgpack nil and fail validation on the ranks.
    assert.deepEqual(Object.entries(second.plan!).filter(([, v]) => v === undefined), []);
  });

  it('does not repartition when the remaining iterations cannot pay for it', () => {
    const c = new RepartitionController(CONFIG);
    for (const t of [1000, 2000, 3000]) {
      const d = c.decide(input(t, windows(20, 60), 995));
      assert.equal(d.action, 'none');
      assert.equal(d.remainingIterations, 5);
      assert.equal(d.benefitMs, 150);
      assert.match(d.reason, /does not exceed cost 145 ms x 1\.5/);
    }
  });

  it('does not flap under an interferer that toggles every window', () => {
    const c = new RepartitionController(CONFIG);
    for (let k = 0; k < 8; k++) {
      const d = c.decide(input(1000 * (k + 1), k % 2 === 0 ? windows(20, 60) : windows(20, 20)));
      assert.equal(d.action, 'none', `window ${k}: ${d.reason}`);
    }
  });

  it('respects the dwell time after a repartition, then applies a confirmed change', () => {
    const c = new RepartitionController(CONFIG);
    c.applied(1000);
    assert.match(c.decide(input(2000, windows(20, 60))).reason, /1 of 2/);
    const blocked = c.decide(input(3000, windows(20, 60)));
    assert.equal(blocked.action, 'none');
    assert.match(blocked.reason, /dwell: 2000 ms since the last repartition, at least 10000 ms/);
    assert.equal(c.decide(input(10_999, windows(20, 60))).action, 'none');
    assert.equal(c.decide(input(11_000, windows(20, 60))).action, 'repartition');
  });

  it('takes the noise fraction of the current time off every predicted gain', () => {
    // noise 0.4: 60 - 30 - 0.4 · 60 = 6 ms/iter; noise 0.5 leaves 0, which is no gain at all.
    const some = new RepartitionController({ ...CONFIG, noise: 0.4 }).decide(input(1000, windows(20, 60)));
    assert.equal(some.predictedGainMsPerIter, 6);
    assert.equal(some.benefitMs, 3000);
    const none = new RepartitionController({ ...CONFIG, noise: 0.5 }).decide(input(1000, windows(20, 60)));
    assert.equal(none.action, 'none');
    assert.match(none.reason, /gains 30 ms\/iter, within the 50 % noise of 60 ms/);
  });

  it('charges the measured pause of the last repartition instead of the default', () => {
    const c = new RepartitionController(CONFIG);
    c.applied(-20_000, 500);
    assert.equal(c.decide(input(1000, windows(20, 60))).costMs, 545);
  });

  it('stays put when the current plan is already the best', () => {
    const c = new RepartitionController(CONFIG);
    const d = c.decide(input(1000, windows(20, 20)));
    assert.equal(d.action, 'none');
    assert.match(d.reason, /already the best/);
    assert.deepEqual(d.proposedPartition, [2, 2]);
  });

  it('uses an injected predictor instead of the measured ratio, and checks what it returns', () => {
    const c = new RepartitionController({ ...CONFIG, confirmWindows: 1 }, () => [1, 3]);
    const d = c.decide(input(1000, windows(20, 20)));
    assert.equal(d.action, 'repartition');
    assert.deepEqual(d.slowdowns, [1, 3]);
    const broken = new RepartitionController(CONFIG, () => [1]);
    assert.throws(() => broken.decide(input(1000, windows(20, 20))), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR'));
  });

  it('waits until every rank reported', () => {
    const c = new RepartitionController(CONFIG);
    const d = c.decide(input(1000, windows(20, 60).slice(0, 1)));
    assert.equal(d.action, 'none');
    assert.match(d.reason, /1 of 2 reported/);
  });

  it('rejects a bad configuration naming the field', () => {
    assert.throws(() => new RepartitionController({ ...CONFIG, confirmWindows: 0 }), (e: unknown) => isDynpipeError(e, 'E_USAGE') && /confirmWindows/.test(e.message));
  });
});
