/** Window means of rank stats, and block costs calibrated from them or read from a profile. */
import { strict as assert } from 'node:assert';
import { validatePlan } from '../../../runtime/plan/plan.js';
import { buildModel } from '../../../runtime/models/zoo.js';
import { WindowStats, type RankStats } from '../../../runtime/coordinator/rank-stats.js';
import { calibratedBlockCosts, profileBlockCosts } from '../../../runtime/coordinator/block-costs.js';
import { measuredSlowdowns } from '../../../runtime/coordinator/slowdowns.js';
import { validateProfile } from '../../../profile/format.js';
import { isDynpipeError } from '../../../runtime/errors.js';

function stats(mb: number, stage: number, f: number, b: number, o: number, v = 0): RankStats {
  return { mb, stage, plan_version: v, time_ms: mb, forward_ms: f, backward_ms: b, recv_wait_ms: 1, send_wait_ms: 2, optimizer_ms: o, rows: 8 };
}

// mlp on 4x4 inputs: fc1 16->8 (272 FLOPs), head 8->10 (170 FLOPs); 136 and 90 parameters.
const MODEL = buildModel('mlp', { hidden: 8, layers: 1, inputHeight: 4, inputWidth: 4 });

describe('window stats and block costs', () => {
  it('averages each rank over the window and ignores other plan versions', () => {
    const w = new WindowStats(1, 1);
    w.add(0, stats(0, 0, 1, 2, 1, 1));
    w.add(0, stats(1, 0, 3, 4, 1, 1));
    w.add(1, stats(0, 1, 5, 5, 0, 1));
    w.add(1, stats(1, 1, 50, 50, 0, 0)); // a straggler of plan version 0
    assert.equal(w.lastStageMicrobatches, 1);
    assert.deepEqual(w.take(), [
      { rank: 0, stage: 0, microbatches: 2, computeMs: 6, waitMs: 3, sendWaitMs: 2, windowMs: 1, rows: 8 },
      { rank: 1, stage: 1, microbatches: 1, computeMs: 10, waitMs: 3, sendWaitMs: 2, windowMs: 0, rows: 8 },
    ]);
    assert.deepEqual(w.take(), []);
  });

  it('splits a stage\'s measured time over its blocks by FLOPs, with bytes from the model', () => {
    const plan = validatePlan({ version: 1, model: { name: 'mlp', args: MODEL.args }, num_blocks: 2, partition: [2], stage_to_rank_map: { '0': [0] }, microbatch_size: 8 });
    const costs = calibratedBlockCosts(MODEL, plan, [{ rank: 0, stage: 0, microbatches: 5, computeMs: 442, waitMs: 0, sendWaitMs: 0, windowMs: 100, rows: 8 }]);
    assert.ok(Math.abs(costs[0].forwardMs + costs[0].backwardMs - 272) < 1e-9);
    assert.ok(Math.abs(costs[1].forwardMs + costs[1].backwardMs - 170) < 1e-9);
    assert.deepEqual(costs.map((c) => [c.activationBytes, c.paramBytes]), [[8 * 8 * 4, 136 * 4], [10 * 8 * 4, 90 * 4]]);
    // Calibrated costs reproduce the calibration window as slowdown 1.
    assert.deepEqual(measuredSlowdowns({ plan, blocks: costs, windows: [{ rank: 0, stage: 0, microbatches: 5, computeMs: 884, waitMs: 0, sendWaitMs: 0, windowMs: 100, rows: 8 }] }).map((s) => Math.round(s * 1e9) / 1e9), [2]);
  });

  it('scales a replica\'s time to the whole microbatch and averages the replicas', () => {
    const plan = validatePlan({ version: 1, model: { name: 'mlp', args: MODEL.args }, num_blocks: 2, partition: [1, 1], stage_to_rank_map: { '0': [0], '1': [1, 2] }, microbatch_size: 8 });
    const costs = calibratedBlockCosts(MODEL, plan, [
      { rank: 0, stage: 0, microbatches: 5, computeMs: 7, waitMs: 0, sendWaitMs: 0, windowMs: 100, rows: 8 },
      { rank: 1, stage: 1, microbatches: 5, computeMs: 10, waitMs: 0, sendWaitMs: 0, windowMs: 100, rows: 4 },
      { rank: 2, stage: 1, microbatches: 5, computeMs: 12, waitMs: 0, sendWaitMs: 0, windowMs: 100, rows: 4 },
    ]);
    assert.ok(Math.abs(costs[1].forwardMs + costs[1].backwardMs - 22) < 1e-9); // (2.5 + 3) / 2 per row x 8 rows
    assert.throws(() => calibratedBlockCosts(MODEL, plan, []), (e: unknown) => isDynpipeError(e, 'E_USAGE') && /stage 0/.test(e.message));
  });

  it('reads a profile, scaled to the microbatch, and refuses one of another block count', () => {
    const profile = validateProfile({
      version: 1, model: { name: 'mlp', args: {} }, batch_size: 16, backend: 'cpu', device: 'x', date: '2026-01-01T00:00:00Z', source: 'analytic',
      blocks: [
        { name: 'fc1', kind: 'dense', forward_ms: 2, backward_ms: 4, activation_bytes: 0, param_bytes: 0, flops: 0 },
        { name: 'head', kind: 'head', forward_ms: 1, backward_ms: 3, activation_bytes: 0, param_bytes: 0, flops: 0 },
      ],
    });
    const costs = profileBlockCosts(profile, MODEL, 8);
    assert.deepEqual(costs.map((c) => [c.forwardMs, c.backwardMs]), [[1, 2], [0.5, 1.5]]);
    assert.throws(() => profileBlockCosts({ ...profile, blocks: profile.blocks.slice(1) }, MODEL, 8, 'p.json'), (e: unknown) => isDynpipeError(e, 'E_PROFILE_PARSE') && /^p\.json: has 1 blocks/.test(e.message));
  });
});
