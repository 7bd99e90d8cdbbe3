import { strict as assert } from 'node:assert';
import type { BlockCost, PlannerProblem } from '../../partitioner/cost.js';
import { planPartition } from '../../partitioner/pipedream-dp.js';
import { convertPipedreamPlan } from '../../partitioner/pipedream-plan.js';
import { formatPartition } from '../../partitioner/report.js';
import { planAssignments, toPlan } from '../../partitioner/to-plan.js';
import { isDynpipeError } from '../../runtime/errors.js';
import { parsePlan, printPlan } from '../../runtime/plan/plan.js';

// Blocks of 10 and 30 ms (1 and 2 kB of parameters), 3 ranks, at most 2 replicas, no transfers:
//   [0,1) x1 | [1,2) x2 -> max(10, 30/2) = 15;  [0,1) x2 | [1,2) x1 -> 30;  3 replicas not allowed.
// Memory (versions = ceil((N - r) / m)): stage 0: 3 x 1 kB; stage 1 (r = 1, m = 2): 1 x 2 kB.
const blocks: BlockCost[] = [10, 30].map((t, k) => ({ forwardMs: t / 2, backwardMs: t / 2, activationBytes: 0, paramBytes: 1000 * (k + 1) }));
const problem: PlannerProblem = { blocks, ranks: 3, batchSize: 6, bandwidthBytesPerS: 1e15, maxReplicas: 2, objective: { kind: 'pipedream' } };

describe('toPlan', () => {
  it('writes a validated plan with predictions that round-trips', () => {
    const result = planPartition(problem);
    const plan = toPlan(result, { model: { name: 'mlp', args: { hidden: 4 } }, microbatchSize: 6 });
    assert.deepEqual(plan.partition, [1, 1]);
    assert.deepEqual(plan.stage_to_rank_map, { '0': [0], '1': [1, 2] });
    assert.deepEqual(plan.predicted, {
      objective: 'pipedream',
      stage_ms: [10, 15],
      bottleneck_ms: 15,
      throughput_samples_per_s: 400, // 6 samples per 15 ms
      memory_bytes_per_rank: [3000, 2000, 2000],
    });
    assert.deepEqual(plan.model, { name: 'mlp', args: { hidden: 4 } });
    assert.deepEqual(parsePlan(printPlan(plan)), plan);
    assert.deepEqual(planAssignments(plan), [
      { blocks: [0, 1], firstRank: 0, replicas: 1 },
      { blocks: [1, 2], firstRank: 1, replicas: 2 },
    ]);
  });

  it('labels the dynpipe objective with its weight and prints a table', () => {
    // Blocks 10 10 10 30 straight on 3 ranks: [1|2|1] and [2|1|1] both reach 30 ([1|1|2] is 40);
    // depth ceil(3/1) = 3, so the penalty is 1 + 0.25 (3 - 1) = 1.5 and the objective 45.
    const straight: BlockCost[] = [10, 10, 10, 30].map((t) => ({ forwardMs: t / 2, backwardMs: t / 2, activationBytes: 0, paramBytes: 0 }));
    const result = planPartition({ ...problem, blocks: straight, maxReplicas: 1, objective: { kind: 'dynpipe', stalenessWeight: 0.25 } });
    const plan = toPlan(result, { model: { name: 'mlp' }, microbatchSize: 6, schedule: 'gpipe' });
    assert.equal(plan.predicted?.objective, 'dynpipe(staleness=0.25)');
    assert.equal(plan.predicted?.bottleneck_ms, 30);
    assert.equal(plan.schedule, 'gpipe');
    const table = formatPartition(result, { blockNames: ['a', 'b', 'c', 'd'], microbatchSize: 6 });
    assert.match(table, /staleness penalty x1\.500, objective 45\.00 ms/);
    assert.match(table, /\[3, 4\) d/);
    assert.match(table, /bottleneck: 30\.00 ms per microbatch of 6 \(lower bound 20\.00 ms: 66\.7% efficient\)/);
  });

  it('cannot price a plan whose stage ranks are not contiguous', () => {
    const plan = convertPipedreamPlan({
      hybridConf: { value: { stage_to_rank_map: { '0': [0, 2], '1': [1] } }, source: 'h.json' },
      partition: { value: { partition: [2, 2] }, source: 'p.json' },
      model: { name: 'mlp' },
      microbatchSize: 4,
    });
    assert.equal(planAssignments(plan), undefined);
  });
});

describe('convertPipedreamPlan', () => {
  const convert = (hybrid: unknown, partition: unknown, microbatchSize?: number) =>
    convertPipedreamPlan({
      hybridConf: hybrid === undefined ? undefined : { value: hybrid, source: 'hybrid_conf.json' },
      partition: { value: partition, source: 'p.json' },
      model: { name: 'vgg16' },
      microbatchSize,
    });

  it("reads DynPipe's partition JSON as a straight pipeline with its batch size", () => {
    const plan = convert(undefined, { partition: [12, 13, 13, 11], recompute_ratio: [0, 0, 0, 0], batch_size_all: [16], batch_size: [16, 16, 16, 16] });
    assert.deepEqual(plan.partition, [12, 13, 13, 11]);
    assert.deepEqual(plan.stage_to_rank_map, { '0': [0], '1': [1], '2': [2], '3': [3] });
    assert.equal(plan.microbatch_size, 16);
    assert.equal(plan.num_blocks, 49);
  });

  it("combines PipeDream's stage_to_rank_map with blocks per stage", () => {
    const plan = convert({ module_to_stage_map: [0, 1, 1], stage_to_rank_map: { '0': [0, 1, 2], '1': [3] } }, { partition: [30, 9] }, 8);
    assert.deepEqual(plan.partition, [30, 9]);
    assert.deepEqual(plan.stage_to_rank_map, { '0': [0, 1, 2], '1': [3] });
  });

  it('folds per-module block counts into stages, ignoring the trailing loss module', () => {
    // Modules 0,1 -> stage 0; modules 2,3 -> stage 1; module 4 is the criterion.
    const plan = convert({ module_to_stage_map: [0, 0, 1, 1, 1], stage_to_rank_map: { '0': [0, 1], '1': [2] } }, { partition: [5, 6, 7, 8] }, 8);
    assert.deepEqual(plan.partition, [11, 15]);
  });

  it('names the file and field of each problem', () => {
    const fails = (f: () => unknown, message: string): void => {
      assert.throws(f, (e: unknown) => {
        assert.ok(isDynpipeError(e, 'E_PLAN_INVALID'), String(e));
        assert.equal(e.message, message);
        return true;
      });
    };
    fails(() => convert(undefined, { partition: [3, 0] }, 4), 'p.json: partition.1: Too small: expected number to be >0');
    fails(() => convert(undefined, { partition: [3, 3] }), 'p.json: batch_size_all: missing; give the microbatch size (--batch)');
    fails(
      () => convert({ stage_to_rank_map: { '0': [0], '1': [1] } }, { partition: [1, 2, 3] }, 4),
      'p.json: partition has 3 entries, but hybrid_conf.json has 2 stages',
    );
    fails(
      () => convert({ module_to_stage_map: [1, 0], stage_to_rank_map: { '0': [0], '1': [1] } }, { partition: [1, 2, 3] }, 4),
      'p.json: partition has 3 entries, but hybrid_conf.json has 2 stages and 2 modules',
    );
    fails(
      () => convert({ module_to_stage_map: [1, 0, 1], stage_to_rank_map: { '0': [0], '1': [1] } }, { partition: [1, 2, 3] }, 4),
      'hybrid_conf.json: module_to_stage_map.1: stages must not decrease along the modules',
    );
    fails(() => convert({ stage_to_rank_map: { '0': [0], '1': [0] } }, { partition: [1, 2] }, 4), 'hybrid_conf.json + p.json: stage_to_rank_map.1: rank 0 is also in stage 0');
  });
});
