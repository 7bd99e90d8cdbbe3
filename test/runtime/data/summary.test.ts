import { strict as assert } from 'node:assert';
import { summarizeDataset } from '../../../runtime/data/summary.js';
import type { Dataset } from '../../../runtime/data/dataset.js';

describe('summarizeDataset', () => {
  it('counts labels (ignoring -1) and finds input min, max and mean across chunk boundaries', () => {
    const xs = [0.5, -1, 3, 0.25];
    const ys = [2, -1, 2, 0];
    const ds: Dataset = {
      name: 'stub',
      split: 'train',
      size: 4,
      inputShape: [],
      inputDtype: 'float32',
      labelShape: [],
      numClasses: 3,
      gather: (indices) => ({ x: Float32Array.from(indices, (i) => xs[i]), y: Int32Array.from(indices, (i) => ys[i]) }),
    };
    const progress: number[] = [];
    const s = summarizeDataset(ds, 3, (done) => progress.push(done));
    assert.deepEqual(s, { labelCounts: [[0, 1], [2, 2]], ignoredLabels: 1, inputMin: -1, inputMax: 3, inputMean: 0.6875 });
    assert.deepEqual(progress, [3, 4]);
  });
});
