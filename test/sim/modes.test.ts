import { strict as assert } from 'node:assert';
import { validatePlan } from '../../runtime/plan/plan.js';
import type { RankInterference } from '../../runtime/sim/interference.js';
import { CONTROLLER_COST_MS, type SimMode, changeKind, createPolicy } from '../../runtime/sim/modes.js';
import { DEFAULT_PAUSE_FIXED_MS } from '../../runtime/sim/pause.js';
import { type SimulationResult, simulate } from '../../runtime/sim/simulate.js';
import { blocksOf, config } from './helpers.js';

// 4 blocks of 1 ms (f 0.25 + b 0.75) on 2 stages [2, 2]; rank 1 computes 3x slower all along, so
// the static plan runs at 2 x 3 = 6 ms per microbatch and the best cut, [3, 1], at max(3, 1 x 3) = 3.
const plan = validatePlan({ version: 1, model: { name: 'test' }, num_blocks: 4, partition: [2, 2], stage_to_rank_map: { '0': [0], '1': [1] }, microbatch_size: 8 });
const blocks = blocksOf([0.25, 0.25, 0.25, 0.25], [0.75, 0.75, 0.75, 0.75], { paramBytes: 1e6 });
const slowRank1: RankInterference[] = [{ rank: 1, kind: 'cpu', intensity: 1, startMs: 0, endMs: Infinity, factor: 3, event: 0 }];

function run(mode: SimMode): SimulationResult {
  const kind = changeKind(mode);
  const policy = createPolicy(mode, {
    simpleThreshold: 0.25, dwellMs: 0, confirmWindows: 2, margin: 0.2, horizonIterations: 300, objective: { kind: 'dynpipe', stalenessWeight: 0 },
    bandwidthBytesPerS: 1e9, maxReplicas: 1, controllerCostMs: CONTROLLER_COST_MS[kind], optimizerSlots: 1,
  });
  return simulate(config(plan, blocks, { microbatches: 300, windowMicrobatches: 20, policy, interference: slowRank1, pause: { kind, fixedMs: DEFAULT_PAUSE_FIXED_MS[kind], bandwidthBytesPerS: 1e9 } }));
}

/** ms between the last stage's last two completions. */
function finalPeriod(result: SimulationResult): number {
  const seg = result.segments[result.segments.length - 1];
  const rec = seg.recorder;
  return rec.doneMs[rec.cell(1, seg.end - 1)] - rec.doneMs[rec.cell(1, seg.end - 2)];
}

describe('simulator modes: the coordinator\'s own policies decide', () => {
  it('pipedream keeps the plan', () => {
    const result = run('pipedream');
    assert.equal(result.repartitions.length, 0);
    assert.equal(finalPeriod(result), 6);
  });

  it('simple re-cuts the blocks in proportion to measured speed: [3, 1]', () => {
    const result = run('simple');
    assert.deepEqual(result.repartitions.map((r) => r.to.partition), [[3, 1]]);
    assert.equal(finalPeriod(result), 3);
  });

  it('dynpipe: the controller moves to the planner\'s [3, 1] after two confirming windows, paying the measured live pause', () => {
    const result = run('dynpipe');
    const [change] = result.repartitions;
    assert.equal(result.repartitions.length, 1);
    assert.deepEqual(change.to.partition, [3, 1]);
    assert.equal(change.pauseMs, DEFAULT_PAUSE_FIXED_MS.live + 2); // block 2: 1 MB x (1 + 1 momentum slot) at 1 GB/s
    const decided = result.decisions.findIndex((d) => d.action === 'repartition');
    assert.match(result.decisions[decided - 1].reason, /pays .* in 1 of 2 consecutive windows/);
    assert.equal(finalPeriod(result), 3);
  });

  it('dynpipe-re: the controller prices a restart at 5 s, more than 3 ms x 300 microbatches can win back', () => {
    const result = run('dynpipe-re');
    assert.equal(result.repartitions.length, 0);
    assert.ok(result.decisions.every((d) => /does not exceed cost/.test(d.reason)), result.decisions[0].reason);
  });
});
