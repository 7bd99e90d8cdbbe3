import { strict as assert } from 'node:assert';
import { finalPlan, finalPlans, planRankBars } from '../../figures/plan-data.js';
import { isDynpipeError } from '../../runtime/errors.js';
import { fixtureRuns } from './runs.js';

describe('figure data: plan bars', () => {
  it('gives each rank the blocks of its stage, replicas alike, with its predicted slowdown', () => {
    const bars = planRankBars('job', { plan_version: 2, partition: [1, 3], stage_ranks: [[0, 1], [2]] }, [1, 2.5, 1.254]);
    assert.deepEqual(
      bars.map((b) => [b.rank, b.rank_label, b.stage, b.start_block, b.end_block, b.blocks, b.predicted_slowdown, b.label, b.plan_version]),
      [
        [0, 'rank 0', 0, 0, 1, 1, 1, ['stage 0 · 1 block', 'predicted ×1.00'], 2],
        [1, 'rank 1', 0, 0, 1, 1, 2.5, ['stage 0 · 1 block', 'predicted ×2.50'], 2],
        [2, 'rank 2', 1, 1, 4, 3, 1.254, ['stage 1 · 3 blocks', 'predicted ×1.25'], 2],
      ],
    );
    const unknown = planRankBars('job', { plan_version: 0, partition: [2, 2], stage_ranks: [[1], [0]] }, null);
    assert.deepEqual(unknown.map((b) => [b.rank, b.start_block, b.predicted_slowdown, b.label]), [[0, 2, null, ['stage 1 · 2 blocks']], [1, 0, null, ['stage 0 · 2 blocks']]]);
  });

  it("reads a run's final plan from its repartition rows; a run without one has none", () => {
    const [dyn, pd] = fixtureRuns();
    assert.deepEqual(finalPlan(dyn), { plan_version: 1, partition: [4, 2, 3], stage_ranks: [[0], [1], [2]] });
    assert.throws(() => finalPlan(pd), (e) => isDynpipeError(e, 'E_DATA') && /run run-b logged no repartition/.test(e.message));
    assert.deepEqual(finalPlans([pd, dyn]).map((p) => [p.run, p.plan.plan_version]), [['dynpipe', 1]]);
    assert.throws(() => finalPlans([pd]), (e) => isDynpipeError(e, 'E_DATA'));
  });
});
