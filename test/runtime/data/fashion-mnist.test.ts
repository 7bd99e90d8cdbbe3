/**
 * The real Fashion-MNIST from Debian's dataset-fashion-mnist package. Never skipped: when the
 * package is missing this fails and says how to install it (CI installs it in .ci/system-packages.sh).
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { FASHION_MNIST_SYSTEM_DIR, openFashionMnist } from '../../../runtime/data/fashion-mnist.js';
import type { Dataset } from '../../../runtime/data/dataset.js';

/** Label counts and pixel extremes over the whole split, read in chunks to bound memory. */
function scan(ds: Dataset): { counts: number[]; min: number; max: number; offGrid: number } {
  const counts = new Array<number>(10).fill(0);
  let min = Infinity;
  let max = -Infinity;
  let offGrid = 0;
  for (let start = 0; start < ds.size; start += 5000) {
    const { x, y } = ds.gather(Array.from({ length: Math.min(5000, ds.size - start) }, (_, k) => start + k));
    for (const l of y) counts[l]++;
    for (const v of x) {
      if (v < min) min = v;
      if (v > max) max = v;
      if (Math.fround(Math.round(v * 255) / 255) !== v) offGrid++;
    }
  }
  return { counts, min, max, offGrid };
}

describe('Fashion-MNIST (system package)', () => {
  before(() => {
    assert.ok(existsSync(FASHION_MNIST_SYSTEM_DIR), `${FASHION_MNIST_SYSTEM_DIR} is missing: install it with \`apt-get install dataset-fashion-mnist\``);
  });

  const cases = [
    { split: 'train', size: 60000, perClass: 6000, firstLabels: [9, 0, 0, 3, 0, 2, 7, 2, 5, 5] },
    { split: 'test', size: 10000, perClass: 1000, firstLabels: [9, 2, 1, 1, 6, 1, 4, 6, 5, 7] },
  ] as const;

  for (const c of cases) {
    it(`loads the ${c.split} split: ${c.size} balanced 28x28x1 samples, labels 0..9, pixels k/255 spanning [0, 1]`, () => {
      const ds = openFashionMnist({ split: c.split, dataDir: FASHION_MNIST_SYSTEM_DIR });
      assert.equal(ds.size, c.size);
      assert.deepEqual(ds.inputShape, [28, 28, 1]);
      assert.equal(ds.inputDtype, 'float32');
      assert.deepEqual([...ds.gather([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).y], c.firstLabels);
      const s = scan(ds);
      assert.deepEqual(s.counts, new Array(10).fill(c.perClass));
      assert.equal(s.min, 0);
      assert.equal(s.max, 1);
      assert.equal(s.offGrid, 0);
    });
  }
});
