import { strict as assert } from 'node:assert';
import { parsePlan, printPlan, stageRanges, straightPlan, validatePlan, defaultInFlight, worldSize, stageOfRank } from '../../../runtime/plan/plan.js';
import { isDynpipeError } from '../../../runtime/errors.js';

function base(): Record<string, unknown> {
  return {
    version: 1,
    model: { name: 'mlp', args: { hidden: 16 } },
    num_blocks: 6,
    partition: [2, 3, 1],
    stage_to_rank_map: { '0': [0], '1': [1, 2], '2': [3] },
    microbatch_size: 8,
    schedule: '1f1b',
  };
}

function rejects(value: unknown, field: string): void {
  assert.throws(
    () => validatePlan(value, 'p.json'),
    (e: unknown) => isDynpipeError(e, 'E_PLAN_INVALID') && e.message.startsWith(`p.json: ${field}`),
  );
}

describe('plan format', () => {
  it('round-trips through print and parse', () => {
    const p = validatePlan(base());
    assert.deepEqual(parsePlan(printPlan(p)), p);
  });

  it('derives stage ranges, world size, stage of rank and PipeDream in-flight depth', () => {
    const p = validatePlan(base());
    assert.deepEqual(stageRanges(p), [[0, 2], [2, 5], [5, 6]]);
    assert.equal(worldSize(p), 4);
    assert.equal(stageOfRank(p, 2), 1);
    assert.equal(defaultInFlight(p), 4);
    assert.equal(defaultInFlight(straightPlan({ model: { name: 'mlp' }, partition: [1, 1, 1], microbatchSize: 4 })), 3);
  });

  it('names the field of each violation', () => {
    rejects({ ...base(), partition: [2, 3, 2] }, 'partition');
    rejects({ ...base(), stage_to_rank_map: { '0': [0], '1': [1, 2] } }, 'stage_to_rank_map.2');
    rejects({ ...base(), stage_to_rank_map: { '0': [0], '1': [0, 2], '2': [3] } }, 'stage_to_rank_map.1');
    rejects({ ...base(), stage_to_rank_map: { '0': [0], '1': [1, 2], '2': [4] } }, 'stage_to_rank_map');
    rejects({ ...base(), microbatch_size: 0 }, 'microbatch_size');
    rejects({ ...base(), schedule: 'zigzag' }, 'schedule');
    rejects({ ...base(), version: 2 }, 'version');
  });

  it('reports bad JSON on one line', () => {
    assert.throws(() => parsePlan('{"version":', 'x.json'), (e: unknown) => isDynpipeError(e, 'E_PLAN_INVALID') && /^x.json: not valid JSON/.test(e.message));
  });
});
