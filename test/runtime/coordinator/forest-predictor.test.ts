/**
 * The forest predictor's wiring, with a stub forest that records what it is asked: each rank's
 * device features come from its host counters and its window, its static features from the block
 * range it runs; a rank without host counters keeps the measured ratio.
 */
import { strict as assert } from 'node:assert';
import { validatePlan } from '../../../runtime/plan/plan.js';
import { buildModel } from '../../../runtime/models/zoo.js';
import { forestPredictor } from '../../../runtime/coordinator/forest-predictor.js';
import type { RankWindow } from '../../../runtime/coordinator/rank-stats.js';
import type { DeviceFeatures, StaticFeatures } from '../../../predictor/features.js';
import type { HostObservation } from '../../../predictor/observation.js';
import type { BlockCost } from '../../../partitioner/cost.js';

const MODEL = buildModel('mlp', { hidden: 8, layers: 1, inputHeight: 4, inputWidth: 4 });
const PLAN = validatePlan({ version: 1, model: { name: 'mlp', args: MODEL.args }, num_blocks: 2, partition: [1, 1], stage_to_rank_map: { '0': [0], '1': [1] }, microbatch_size: 8 });
const BLOCKS: BlockCost[] = [{ forwardMs: 5, backwardMs: 5, activationBytes: 0, paramBytes: 0 }, { forwardMs: 10, backwardMs: 10, activationBytes: 0, paramBytes: 0 }];
const HOST: HostObservation = { cpu_self: 1, cpu_peer: 2.5, cpu_util_cores: 0.9, cpu_util_machine: 0.8, procs_running_per_core: 1.5, load_avg_per_core: 1.2, membw_probe_gbps: 7, runq_wait_fraction: 0.1, cpu_pressure: 0.2, gpu_util: null, gpu_mem_util: null, gpu_procs: null };

describe('forest predictor', () => {
  it('asks the forest about each reporting rank\'s own range and state, and falls back to the measured ratio', () => {
    const asked: Array<{ s: StaticFeatures; d: DeviceFeatures }> = [];
    const predict = forestPredictor({ predictOne: (s, d) => (asked.push({ s, d }), 1 + d.cpu_peer) }, MODEL);
    const windows: RankWindow[] = [
      { rank: 0, stage: 0, microbatches: 10, computeMs: 30, waitMs: 4, sendWaitMs: 1, windowMs: 500, rows: 8, host: HOST },
      { rank: 1, stage: 1, microbatches: 10, computeMs: 30, waitMs: 2, sendWaitMs: 0, windowMs: 500, rows: 8 },
    ];
    assert.deepEqual(predict({ plan: PLAN, blocks: BLOCKS, windows }), [3.5, 1.5]); // rank 1: 30 ms for 20 ms of blocks
    assert.equal(asked.length, 1);
    const { s, d } = asked[0];
    assert.equal(s.blocks, 1);
    assert.equal(s.batch_size, 8);
    assert.equal(s.dense_blocks, 1, 'rank 0 runs fc1');
    assert.equal(d.self_compute_ratio, 3); // 30 ms measured / 10 ms profiled
    assert.equal(d.wait_fraction, 40 / 500);
    assert.equal(d.send_wait_ms, 1);
    assert.equal(d.cpu_peer, 2.5);
  });
});
