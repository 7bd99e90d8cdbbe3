import { strict as assert } from 'node:assert';
import { epochPermutation, hashSeed, Rng } from '../../../runtime/data/shuffle.js';

describe('shuffle', () => {
  it('epochPermutation is a permutation of 0..size-1, fixed by (seed, epoch), new each epoch', () => {
    const p = epochPermutation(1000, 42, 0);
    assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
    assert.deepEqual(epochPermutation(1000, 42, 0), p);
    assert.notDeepEqual(epochPermutation(1000, 42, 1), p);
    assert.notDeepEqual(epochPermutation(1000, 43, 0), p);
  });

  it('draws all 24 orders of 4 items about equally often over 2400 epochs', () => {
    const counts = new Map<string, number>();
    for (let e = 0; e < 2400; e++) {
      const key = epochPermutation(4, 7, e).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    assert.equal(counts.size, 24);
    for (const [order, n] of counts) assert.ok(n > 60 && n < 140, `order ${order} drawn ${n} times (expected about 100)`);
  });

  it('hashSeed depends on the order and the high bits of its parts', () => {
    assert.notEqual(hashSeed(1, 2), hashSeed(2, 1));
    assert.notEqual(hashSeed(5), hashSeed(5 + 2 ** 32));
    assert.equal(hashSeed(9, 9), hashSeed(9, 9));
  });

  it('Rng.nextInt stays in [0, n) and covers it evenly', () => {
    const rng = new Rng(123);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 10000; i++) counts[rng.nextInt(10)]++;
    for (const c of counts) assert.ok(c > 900 && c < 1100, `bucket count ${c}`);
    assert.equal(counts.reduce((a, b) => a + b, 0), 10000);
  });
});
