import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { type PlannerProblem, StageCosts } from '../../partitioner/cost.js';
import { objectiveValue } from '../../partitioner/evaluate.js';
import { exhaustiveSearch } from '../../partitioner/exhaustive.js';
import { objectiveModel } from '../../partitioner/objective.js';
import { planPartition } from '../../partitioner/pipedream-dp.js';
import { isDynpipeError } from '../../runtime/errors.js';

/**
 * Random problems up to 12 blocks x 5 ranks, with replication caps, small microbatches (which cap
 * replicas too), heterogeneous slowdowns, memory limits around the sizes involved, both objectives.
 * Times are small integers half the time so that ties (several optimal partitions) are common.
 */
const problems: fc.Arbitrary<PlannerProblem> = fc
  .record({
    numBlocks: fc.integer({ min: 1, max: 12 }),
    ranks: fc.integer({ min: 1, max: 5 }),
    integral: fc.boolean(),
    seedBlocks: fc.array(
      fc.record({
        forward: fc.double({ min: 0, max: 20, noNaN: true }),
        backward: fc.double({ min: 0, max: 40, noNaN: true }),
        activation: fc.double({ min: 0, max: 5e7, noNaN: true }),
        params: fc.double({ min: 0, max: 5e8, noNaN: true }),
      }),
      { minLength: 12, maxLength: 12 },
    ),
    batchSize: fc.integer({ min: 1, max: 8 }),
    bandwidthBytesPerS: fc.constantFrom(1e8, 1e9, 1e10),
    slowdown: fc.option(fc.array(fc.double({ min: 1, max: 4, noNaN: true }), { minLength: 5, maxLength: 5 })),
    maxReplicas: fc.option(fc.integer({ min: 1, max: 5 })),
    memoryPerRankBytes: fc.option(fc.double({ min: 1e8, max: 3e9, noNaN: true })),
    dynpipe: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
  })
  .map((g) => ({
    blocks: g.seedBlocks.slice(0, g.numBlocks).map((b) => ({
      forwardMs: g.integral ? Math.round(b.forward) : b.forward,
      backwardMs: (g.integral ? Math.round(b.backward) : b.backward) + 1, // at least some compute
      activationBytes: b.activation,
      paramBytes: b.params,
    })),
    ranks: g.ranks,
    batchSize: g.batchSize,
    bandwidthBytesPerS: g.bandwidthBytesPerS,
    slowdown: g.slowdown?.slice(0, g.ranks) ?? undefined,
    maxReplicas: g.maxReplicas ?? undefined,
    memoryPerRankBytes: g.memoryPerRankBytes ?? undefined,
    objective: g.dynpipe === null ? { kind: 'pipedream' as const } : { kind: 'dynpipe' as const, stalenessWeight: g.dynpipe },
  }));

describe('planPartition optimality (fast-check vs exhaustive search)', () => {
  it('reaches the exhaustive optimum, with one of its optimal partitions, or agrees none exists', () => {
    let feasible = 0;
    let replicated = 0;
    fc.assert(
      fc.property(problems, (p) => {
        const reference = exhaustiveSearch(p);
        if (reference.objectiveMs === Infinity) {
          assert.throws(() => planPartition(p), (e: unknown) => isDynpipeError(e, 'E_PLAN_INFEASIBLE'));
          return;
        }
        feasible++;
        const r = planPartition(p);
        // Same stage arithmetic on both sides, so the optimum must agree to the last bit.
        assert.equal(r.objectiveMs, reference.objectiveMs);
        const chosen = r.stages.map((s) => ({ blocks: s.blocks, firstRank: s.ranks[0], replicas: s.ranks.length }));
        assert.ok(
          reference.optimal.some((o) => JSON.stringify(o) === JSON.stringify(chosen)),
          `DP partition ${JSON.stringify(chosen)} is not among the exhaustive optima`,
        );
        assert.equal(objectiveValue(objectiveModel(new StageCosts(p), p.objective), p, chosen), r.objectiveMs);
        if (r.stages.some((s) => s.ranks.length > 1)) replicated++;
      }),
      { numRuns: 300, seed: 20240501 },
    );
    // The generator must exercise the interesting cases, or the property says little.
    assert.ok(feasible > 150, `only ${feasible} feasible problems`);
    assert.ok(replicated > 30, `only ${replicated} optimal plans replicate a stage`);
  });

  it('enumerates Σ_S C(B-1, S-1) C(N-1, S-1) partitions', () => {
    // 12 blocks, 5 ranks: 1 + 11*4 + 55*6 + 165*4 + 330*1 = 1365.
    const blocks = Array.from({ length: 12 }, () => ({ forwardMs: 1, backwardMs: 1, activationBytes: 0, paramBytes: 0 }));
    const r = exhaustiveSearch({ blocks, ranks: 5, batchSize: 8, bandwidthBytesPerS: 1e9, objective: { kind: 'pipedream' } });
    assert.equal(r.enumerated, 1365);
  });
});
