import { strict as assert } from 'node:assert';
import type { BlockCost, PlannerProblem } from '../../partitioner/cost.js';
import { planPartition } from '../../partitioner/pipedream-dp.js';
import type { PartitionResult } from '../../partitioner/evaluate.js';
import { isDynpipeError } from '../../runtime/errors.js';

/** Blocks with the given forward+backward times (split 1:3, exact in binary), no parameters, no activations. */
function computeOnly(totals: number[]): BlockCost[] {
  return totals.map((t) => ({ forwardMs: t / 4, backwardMs: (3 * t) / 4, activationBytes: 0, paramBytes: 0 }));
}

function problem(p: Partial<PlannerProblem> & Pick<PlannerProblem, 'blocks' | 'ranks'>): PlannerProblem {
  return { batchSize: 8, bandwidthBytesPerS: 1e9, objective: { kind: 'pipedream' }, ...p };
}

/** [blocks a-b) x replicas per stage, e.g. '0-2x1 2-4x2'. */
function shape(r: PartitionResult): string {
  return r.stages.map((s) => `${s.blocks[0]}-${s.blocks[1]}x${s.ranks.length}`).join(' ');
}

describe('planPartition (PipeDream DP)', () => {
  it('finds the min-max straight pipeline', () => {
    // Times 4 2 3 5 1 3 (sum 18) on 3 ranks, one replica each. The 5 must share a stage with
    // neither 1+3 after it (5+1+3 = 9) nor a long prefix; [4 2 | 3 5 | 1 3] = 6, 8, 4 is the only
    // split reaching 8 (every other 3-way split has a stage of at least 9).
    const r = planPartition(problem({ blocks: computeOnly([4, 2, 3, 5, 1, 3]), ranks: 3, maxReplicas: 1 }));
    assert.equal(shape(r), '0-2x1 2-4x1 4-6x1');
    assert.deepEqual(r.stages.map((s) => s.timeMs), [6, 8, 4]);
    assert.equal(r.bottleneckMs, 8);
    assert.equal(r.lowerBoundMs, 6);
    assert.equal(r.throughputSamplesPerS, (8 * 1000) / 8);
    assert.deepEqual(r.stages.map((s) => s.ranks), [[0], [1], [2]]);
    // Straight pipeline of 3: stage s keeps 3 - s stashed versions.
    assert.deepEqual(r.stages.map((s) => s.stashVersions), [3, 2, 1]);
  });

  it('replicates when the all-reduce is cheap and pipelines when it is not', () => {
    // Two blocks of 6 and 10 ms on 2 ranks at 1 GB/s. Straight: max(6, 10) = 10 (no activations).
    // Replicated: T = max(16, W) / 2 with W = 2 (2-1)/2 * params / 1 GB/s.
    //   params 1 MB: W = 1 ms -> T = 8 < 10: one stage on both ranks.
    //   params 1 GB: W = 1000 ms -> T = 500 > 10: straight.
    const blocks = (paramBytes: number): BlockCost[] => [
      { forwardMs: 2, backwardMs: 4, activationBytes: 0, paramBytes: 0 },
      { forwardMs: 3, backwardMs: 7, activationBytes: 0, paramBytes },
    ];
    const cheap = planPartition(problem({ blocks: blocks(1e6), ranks: 2 }));
    assert.equal(shape(cheap), '0-2x2');
    assert.equal(cheap.bottleneckMs, 8);
    assert.equal(cheap.stages[0].allreduceMs, 1 / 2); // PipeDream amortises W over the m replicas
    const dear = planPartition(problem({ blocks: blocks(1e9), ranks: 2 }));
    assert.equal(shape(dear), '0-1x1 1-2x1');
    assert.equal(dear.bottleneckMs, 10);
  });

  it('treats a cut as a pipeline stage of 2 transfers (PipeDream 2·C)', () => {
    // Block 0 outputs 10 MB; at 1 GB/s one transfer is 10 ms and the cut costs 20 ms > 6, 10.
    const blocks: BlockCost[] = [
      { forwardMs: 2, backwardMs: 4, activationBytes: 1e7, paramBytes: 0 },
      { forwardMs: 3, backwardMs: 7, activationBytes: 0, paramBytes: 0 },
    ];
    const r = planPartition(problem({ blocks, ranks: 2, maxReplicas: 1 }));
    assert.equal(r.bottleneckMs, 20);
    assert.deepEqual(r.stages.map((s) => s.timeMs), [6, 10]);
    assert.equal(r.stages[0].commMs, 20);
  });

  it('moves work off a slowed rank, which side depends on where the rank is', () => {
    // Four 10 ms blocks on 2 ranks (no replication): even split 20/20. Rank 0 at 3x: a block on
    // rank 0 costs 30, so [1 | 3] = max(30, 30) = 30 beats [2 | 2] = 60. Rank 1 at 3x: [3 | 1].
    const blocks = computeOnly([10, 10, 10, 10]);
    assert.equal(shape(planPartition(problem({ blocks, ranks: 2, maxReplicas: 1 }))), '0-2x1 2-4x1');
    const slow0 = planPartition(problem({ blocks, ranks: 2, maxReplicas: 1, slowdown: [3, 1] }));
    assert.equal(shape(slow0), '0-1x1 1-4x1');
    assert.deepEqual(slow0.stages.map((s) => s.computeMs), [30, 30]);
    assert.equal(slow0.lowerBoundMs, 40 / (1 / 3 + 1));
    const slow1 = planPartition(problem({ blocks, ranks: 2, maxReplicas: 1, slowdown: [1, 3] }));
    assert.equal(shape(slow1), '0-3x1 3-4x1');
    assert.equal(slow1.bottleneckMs, 30);
  });

  it('paces replicas by the slowest one', () => {
    // Both ranks on one stage: max(40 * 3, 0) / 2 = 60 > the straight [3 | 1] = 30.
    const r = planPartition(problem({ blocks: computeOnly([10, 10, 10, 10]), ranks: 2, slowdown: [1, 3] }));
    assert.equal(shape(r), '0-3x1 3-4x1');
  });

  it('respects the memory limit, splitting a model that would otherwise be replicated', () => {
    // Blocks 6 ms / 0.2 GB and 10 ms / 0.6 GB at 1 TB/s (all-reduce 0.8 ms): replicated T = 8 < 10.
    // Memory, versions = ceil((N - r) / m): replicated 1 x 0.8 GB; straight 2 x 0.2 = 0.4 GB on
    // rank 0 and 1 x 0.6 GB on rank 1. A 0.7 GB limit rules out replication.
    const blocks: BlockCost[] = [
      { forwardMs: 2, backwardMs: 4, activationBytes: 0, paramBytes: 0.2e9 },
      { forwardMs: 3, backwardMs: 7, activationBytes: 0, paramBytes: 0.6e9 },
    ];
    const free = planPartition(problem({ blocks, ranks: 2, bandwidthBytesPerS: 1e12 }));
    assert.equal(shape(free), '0-2x2');
    assert.deepEqual(free.memoryPerRankBytes, [0.8e9, 0.8e9]);
    const limited = planPartition(problem({ blocks, ranks: 2, bandwidthBytesPerS: 1e12, memoryPerRankBytes: 0.7e9 }));
    assert.equal(shape(limited), '0-1x1 1-2x1');
    assert.equal(limited.bottleneckMs, 10);
    assert.deepEqual(limited.memoryPerRankBytes, [0.4e9, 0.6e9]);
  });

  it('counts stashed activations per replica in memory', () => {
    // One block, 1 GB of output activations, 2 replicas: 1 version x (0 + 1 GB / 2).
    const r = planPartition(problem({ blocks: [{ forwardMs: 1, backwardMs: 1, activationBytes: 1e9, paramBytes: 0 }], ranks: 2 }));
    assert.deepEqual(r.memoryPerRankBytes, [0.5e9, 0.5e9]);
  });

  it('throws E_PLAN_INFEASIBLE naming the block that cannot fit', () => {
    const blocks: BlockCost[] = [
      { forwardMs: 1, backwardMs: 1, activationBytes: 0, paramBytes: 1e8 },
      { forwardMs: 1, backwardMs: 1, activationBytes: 0, paramBytes: 2e9 },
    ];
    assert.throws(
      () => planPartition(problem({ blocks, ranks: 2, memoryPerRankBytes: 1e9, blockNames: ['conv', 'fc6'] })),
      (e: unknown) => isDynpipeError(e, 'E_PLAN_INFEASIBLE') && e.message === "block 1 'fc6' alone needs 2.000 GB per rank (parameters + stashed activations), more than the 1.000 GB limit",
    );
  });

  it('throws E_PLAN_INFEASIBLE when the ranks outnumber what the blocks can hold', () => {
    assert.throws(
      () => planPartition(problem({ blocks: computeOnly([1, 1]), ranks: 5, maxReplicas: 2 })),
      (e: unknown) => isDynpipeError(e, 'E_PLAN_INFEASIBLE') && e.message === 'cannot use all 5 ranks: 2 blocks with at most 2 replicas per stage hold at most 4 ranks',
    );
    // A microbatch of 1 cannot be split: at most one replica per stage.
    assert.throws(
      () => planPartition(problem({ blocks: computeOnly([1, 1]), ranks: 3, batchSize: 1 })),
      (e: unknown) => isDynpipeError(e, 'E_PLAN_INFEASIBLE') && /cannot use all 3 ranks.*1 samples of a microbatch/.test(e.message),
    );
  });

  it('rejects bad numbers with E_USAGE', () => {
    const bad: Array<[Partial<PlannerProblem>, RegExp]> = [
      [{ ranks: 0 }, /ranks must be an integer >= 1, got 0/],
      [{ bandwidthBytesPerS: 0 }, /bandwidth must be > 0/],
      [{ slowdown: [1] }, /slowdown has 1 entries for 2 ranks/],
      [{ slowdown: [1, -2] }, /slowdown of rank 1 must be a number > 0, got -2/],
      [{ blocks: computeOnly([0, 0]) }, /zero compute time/],
      [{ objective: { kind: 'dynpipe', stalenessWeight: -1 } }, /staleness weight must be >= 0/],
    ];
    for (const [override, message] of bad) {
      assert.throws(
        () => planPartition(problem({ blocks: computeOnly([1, 1]), ranks: 2, ...override })),
        (e: unknown) => isDynpipeError(e, 'E_USAGE') && message.test(e.message),
      );
    }
  });
});

describe('planPartition (dynpipe objective)', () => {
  // Blocks 6 and 10 ms; block 0 outputs 1 MB (1 ms per transfer at 1 GB/s); block 1 has 5 MB of
  // parameters (ring all-reduce over 2: 2 (1/2) 5 MB / 1 GB/s = 5 ms). 2 ranks.
  //   replicated: 16/2 + 5 + 0 (no inner cut) = 13; depth ceil(2/2) = 1 -> penalty 1 -> 13
  //   straight:   stage 0: 6 + 2 (1 ms out, 1 ms grad back) = 8; stage 1: 10 + 2 = 12 -> 12;
  //               depth ceil(2/1) = 2 -> penalty 1 + λ
  // λ = 0: straight (12 < 13). λ = 0.5: 12 * 1.5 = 18 > 13: replicated.
  const blocks: BlockCost[] = [
    { forwardMs: 2, backwardMs: 4, activationBytes: 1e6, paramBytes: 0 },
    { forwardMs: 3, backwardMs: 7, activationBytes: 0, paramBytes: 5e6 },
  ];

  it('charges transfers inside the stage times', () => {
    const r = planPartition(problem({ blocks, ranks: 2, objective: { kind: 'dynpipe', stalenessWeight: 0 } }));
    assert.equal(shape(r), '0-1x1 1-2x1');
    assert.deepEqual(r.stages.map((s) => [s.computeMs, s.allreduceMs, s.commMs, s.timeMs]), [[6, 0, 2, 8], [10, 0, 2, 12]]);
    assert.equal(r.objectiveMs, 12);
  });

  it('a staleness weight favours shallow pipelines', () => {
    const r = planPartition(problem({ blocks, ranks: 2, objective: { kind: 'dynpipe', stalenessWeight: 0.5 } }));
    assert.equal(shape(r), '0-2x2');
    assert.deepEqual(r.stages.map((s) => [s.computeMs, s.allreduceMs, s.commMs, s.timeMs]), [[8, 5, 0, 13]]);
    assert.equal(r.penalty, 1);
    assert.equal(r.objectiveMs, 13);
  });
});
