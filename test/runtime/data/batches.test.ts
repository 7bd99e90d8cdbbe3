import { strict as assert } from 'node:assert';
import { batchesPerEpoch, batchIndices, MinibatchIterator, replicaShare, splitForReplica, type BatchOrder } from '../../../runtime/data/batches.js';
import { openSyntheticImage } from '../../../runtime/data/synthetic.js';
import { throwsOneLine } from './helpers.js';

const order: BatchOrder = { size: 23, batchSize: 5, seed: 11, dropLast: false };

describe('minibatch order', () => {
  it('gives rank 0 (inputs) and the last stage (labels) the same samples without talking', () => {
    const ds = openSyntheticImage({ split: 'train', seed: 1, size: 23, shape: [2, 2, 1] });
    const rank0 = new MinibatchIterator(order);
    const last = new MinibatchIterator({ ...order });
    for (let step = 0; step < 12; step++) {
      const a = rank0.nextBatch();
      const b = last.nextBatch();
      assert.deepEqual(b, a);
      assert.deepEqual(ds.gather(b.indices).y, ds.gather(a.indices).y);
      assert.deepEqual(batchIndices({ ...order, epoch: a.epoch, iteration: a.iteration }), a.indices);
    }
  });

  it('visits every sample once per epoch, the last batch short unless dropLast drops it', () => {
    const it = new MinibatchIterator(order);
    assert.equal(it.batchesPerEpoch, 5);
    const epoch0 = Array.from({ length: 5 }, () => it.nextBatch());
    assert.deepEqual(epoch0.map((b) => b.indices.length), [5, 5, 5, 5, 3]);
    assert.deepEqual(epoch0.flatMap((b) => [...b.indices]).sort((a, b) => a - b), Array.from({ length: 23 }, (_, i) => i));
    assert.deepEqual(it.state(), { epoch: 1, iteration: 0 });

    const dropping = new MinibatchIterator({ ...order, dropLast: true });
    assert.equal(dropping.batchesPerEpoch, 4);
    const kept = Array.from({ length: 4 }, () => dropping.nextBatch());
    assert.deepEqual(kept.map((b) => b.indices), epoch0.slice(0, 4).map((b) => b.indices));
    assert.deepEqual(dropping.nextBatch().epoch, 1);
  });

  it('uses a new order each epoch, or index order when shuffle is false', () => {
    const first = batchIndices({ ...order, epoch: 0, iteration: 0 });
    assert.notDeepEqual(batchIndices({ ...order, epoch: 1, iteration: 0 }), first);
    assert.deepEqual([...batchIndices({ ...order, shuffle: false, epoch: 3, iteration: 4 })], [20, 21, 22]);
  });

  it('resumes exactly from a saved state', () => {
    const original = new MinibatchIterator(order);
    for (let i = 0; i < 7; i++) original.nextBatch();
    const saved = original.state();
    assert.deepEqual(saved, { epoch: 1, iteration: 2 });
    const resumed = new MinibatchIterator(order, saved);
    for (let i = 0; i < 10; i++) assert.deepEqual(resumed.nextBatch(), original.nextBatch());
  });

  it('rejects a position outside the epoch and a batch larger than a dropLast dataset', () => {
    throwsOneLine(() => new MinibatchIterator(order, { epoch: 0, iteration: 5 }), 'E_USAGE', '[0, 5)', '5');
    throwsOneLine(() => batchIndices({ ...order, batchSize: 30, dropLast: true, epoch: 0, iteration: 0 }), 'E_USAGE', '30', '23');
    assert.equal(batchesPerEpoch({ size: 23, batchSize: 30, dropLast: false }), 1);
  });
});

describe('replica split', () => {
  it('covers a batch exactly once in contiguous shares that differ by at most one, larger first', () => {
    for (let n = 1; n <= 12; n++) {
      const indices = Uint32Array.from({ length: n }, (_, i) => 100 + i);
      for (let replicas = 1; replicas <= n; replicas++) {
        const shares = Array.from({ length: replicas }, (_, r) => splitForReplica(indices, r, replicas));
        assert.deepEqual(shares.flatMap((s) => [...s]), [...indices]);
        const sizes = shares.map((s) => s.length);
        assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a));
        assert.ok(sizes[0] - sizes[replicas - 1] <= 1);
      }
    }
    assert.deepEqual([0, 1, 2].map((r) => replicaShare(10, r, 3)), [{ start: 0, end: 4 }, { start: 4, end: 7 }, { start: 7, end: 10 }]);
  });

  it('rejects a replica index outside [0, replicas)', () => {
    throwsOneLine(() => splitForReplica(new Uint32Array(4), 2, 2), 'E_USAGE', '[0, 2)', 'got 2');
  });
});
