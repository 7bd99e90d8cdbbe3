import { strict as assert } from 'node:assert';
import { type PlannerProblem, blocksFromProfile } from '../../partitioner/cost.js';
import { planPartition } from '../../partitioner/pipedream-dp.js';
import { totalComputeMs } from '../../profile/format.js';
import { inferImagenetBatch, parsePipedreamGraph, pipedreamProfile } from '../../profile/pipedream-graph.js';
import { pipedreamFixture } from '../profile/fixture-path.js';

/** PipeDream's real VGG-16 profile (39 blocks, minibatch 128). */
function vgg16() {
  const { path, text } = pipedreamFixture('vgg16');
  const graph = parsePipedreamGraph(text, path);
  return pipedreamProfile(graph, { model: { name: 'vgg16' }, batchSize: inferImagenetBatch(graph)!, date: '2024-05-01T00:00:00.000Z' });
}

describe('plans for the vgg16 fixture', () => {
  const profile = vgg16();
  const total = totalComputeMs(profile);
  const base = (ranks: number, over: Partial<PlannerProblem> = {}): PlannerProblem => ({
    blocks: blocksFromProfile(profile),
    batchSize: profile.batch_size,
    ranks,
    bandwidthBytesPerS: 10e9,
    objective: { kind: 'pipedream' },
    ...over,
  });

  for (const ranks of [2, 4, 8]) {
    it(`is balanced on ${ranks} ranks: bottleneck within 3% of total/N (replication allowed)`, () => {
      const r = planPartition(base(ranks));
      assert.ok(r.bottleneckMs <= 1.03 * (total / ranks), `bottleneck ${r.bottleneckMs} vs total/N ${total / ranks}`);
      assert.ok(r.bottleneckMs >= total / ranks - 1e-9);
      assert.equal(r.stages.flatMap((s) => s.ranks).length, ranks);
    });
  }

  it('on a slow network keeps the 411 MB fully-connected layer unreplicated, still within 6% of total/N', () => {
    // At 1.25 GB/s (10 Gb/s) replicating fc6 costs seconds of all-reduce: PipeDream's hybrid case.
    const r = planPartition(base(8, { bandwidthBytesPerS: 1.25e9 }));
    const fc6 = profile.blocks.findIndex((b) => b.param_bytes === 411058176);
    const stage = r.stages.find((s) => s.blocks[0] <= fc6 && fc6 < s.blocks[1])!;
    assert.equal(stage.ranks.length, 1);
    assert.ok(r.stages.some((s) => s.ranks.length > 1), 'the convolutions are replicated');
    assert.ok(r.bottleneckMs <= 1.06 * (total / 8), `bottleneck ${r.bottleneckMs} vs total/N ${total / 8}`);
  });

  it('a straight pipeline cannot beat its heaviest inseparable block', () => {
    // With one replica per stage the heaviest block (node4, 159.5 ms) bounds the bottleneck from below.
    const heaviest = Math.max(...profile.blocks.map((b) => b.forward_ms + b.backward_ms));
    for (const ranks of [2, 4, 8]) {
      const r = planPartition(base(ranks, { maxReplicas: 1 }));
      assert.equal(r.stages.length, ranks);
      assert.ok(r.bottleneckMs >= heaviest);
    }
  });

  it('gives a slowed rank less work', () => {
    // 4 ranks, straight: rank 2 slowed 2x must end up with less (unslowed) compute than before.
    const work = (r: ReturnType<typeof planPartition>, rank: number): number => {
      const s = r.stages.find((x) => x.ranks.includes(rank))!;
      return profile.blocks.slice(s.blocks[0], s.blocks[1]).reduce((t, b) => t + b.forward_ms + b.backward_ms, 0);
    };
    const even = planPartition(base(4, { maxReplicas: 1, bandwidthBytesPerS: 100e9 }));
    const slowed = planPartition(base(4, { maxReplicas: 1, bandwidthBytesPerS: 100e9, slowdown: [1, 1, 2, 1] }));
    assert.ok(work(slowed, 2) < work(even, 2), `rank 2 work ${work(slowed, 2)} vs ${work(even, 2)}`);
    assert.ok(slowed.bottleneckMs >= even.bottleneckMs);
  });
});
