/**
 * The policy runner: windows of the running plan version, calibration after the warm-up windows,
 * costs that only ever come down (a slow calibration window is corrected by later ones, a slowed
 * rank does not raise them), one recorded decision per window, nothing decided during a change.
 */
import { strict as assert } from 'node:assert';
import { validatePlan } from '../../../runtime/plan/plan.js';
import { buildModel } from '../../../runtime/models/zoo.js';
import { PolicyRunner, type DecisionRecord } from '../../../runtime/coordinator/policy-runner.js';
import type { PolicyInput, RepartitionPolicy } from '../../../runtime/coordinator/policy.js';
import { noDecision } from '../../../runtime/coordinator/policy.js';
import type { RankStats } from '../../../runtime/coordinator/rank-stats.js';

// Two equal blocks (mlp with layers 1 on 4x4 inputs: fc1 16->8 has 272 FLOPs, head 8->10 has 170).
const MODEL = buildModel('mlp', { hidden: 8, layers: 1, inputHeight: 4, inputWidth: 4 });
const PLAN = validatePlan({ version: 1, model: { name: 'mlp', args: MODEL.args }, num_blocks: 2, partition: [1, 1], stage_to_rank_map: { '0': [0], '1': [1] }, microbatch_size: 8 });

function stats(mb: number, stage: number, computeMs: number, planVersion = 0): RankStats {
  return { mb, stage, plan_version: planVersion, time_ms: mb, forward_ms: computeMs, backward_ms: 0, recv_wait_ms: 0, send_wait_ms: 0, optimizer_ms: 0, rows: 8, ...(stage === 1 ? { loss: 1 } : {}) };
}

class Recorder implements RepartitionPolicy {
  inputs: PolicyInput[] = [];
  changes: Array<[number, number | undefined]> = [];
  decide(input: PolicyInput) {
    this.inputs.push(input);
    return noDecision('recorded', { slowdowns: [] });
  }
  applied(t: number, pause?: number): void {
    this.changes.push([t, pause]);
  }
}

/** Feeds one window of `n` microbatches with the given compute ms per rank. */
function window(runner: PolicyRunner, first: number, n: number, ms0: number, ms1: number, mayDecide = true, planVersion = 0): DecisionRecord | undefined {
  let d: DecisionRecord | undefined;
  for (let mb = first; mb < first + n; mb++) {
    runner.onStats(0, stats(mb, 0, ms0, planVersion), mb, mayDecide);
    d = runner.onStats(1, stats(mb, 1, ms1, planVersion), mb, mayDecide) ?? d;
  }
  return d;
}

describe('policy runner', () => {
  it('calibrates after the warm-up, then keeps the least cost seen per block, deciding once per window', () => {
    const policy = new Recorder();
    const decisions: DecisionRecord[] = [];
    const runner = new PolicyRunner({ policy, windowMicrobatches: 4, costs: { kind: 'calibrate', model: MODEL, warmupWindows: 1 }, plan: PLAN, planVersion: 0, totalIterations: 100, onDecision: (d) => decisions.push(d) });
    assert.equal(window(runner, 0, 4, 90, 90), undefined, 'warm-up window');
    assert.equal(window(runner, 4, 4, 40, 30), undefined, 'calibration window');
    assert.deepEqual(runner.blockCosts!.map((b) => b.forwardMs + b.backwardMs), [40, 30]);
    const d = window(runner, 8, 4, 20, 60); // rank 0 was slow while calibrating; rank 1 is slowed now
    assert.equal(d?.iteration, 12);
    assert.deepEqual(runner.blockCosts!.map((b) => Math.round(b.forwardMs + b.backwardMs)), [20, 30]);
    assert.equal(policy.inputs.length, 1);
    assert.deepEqual(policy.inputs[0].windows.map((w) => w.computeMs), [20, 60]);
    assert.deepEqual(decisions.map((x) => [x.reason, x.planVersion, x.iteration]), [['recorded', 0, 12]]);
  });

  it('decides nothing while a change runs and ignores stats of older plan versions after it', () => {
    const policy = new Recorder();
    const runner = new PolicyRunner({ policy, windowMicrobatches: 2, costs: { kind: 'fixed', blocks: [{ forwardMs: 1, backwardMs: 1, activationBytes: 0, paramBytes: 0 }, { forwardMs: 1, backwardMs: 1, activationBytes: 0, paramBytes: 0 }] }, plan: PLAN, planVersion: 0, totalIterations: 100, onDecision: () => undefined });
    assert.equal(window(runner, 0, 2, 2, 2, false), undefined);
    assert.equal(policy.inputs.length, 0);
    runner.planChanged(PLAN, 1, 500, 7);
    assert.deepEqual(policy.changes, [[500, 7]], 'the policy hears of the change and its pause');
    assert.equal(window(runner, 2, 2, 2, 2, true, 0), undefined, 'stragglers of version 0');
    assert.ok(window(runner, 4, 2, 2, 2, true, 1));
    assert.equal(policy.inputs.length, 1);
  });
});
