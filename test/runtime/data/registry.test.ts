import { strict as assert } from 'node:assert';
import { datasetNames, openDataset } from '../../../runtime/data/registry.js';
import { openSyntheticTokens } from '../../../runtime/data/synthetic.js';
import { FASHION_MNIST_SYSTEM_DIR } from '../../../runtime/data/fashion-mnist.js';
import { throwsOneLine } from './helpers.js';

describe('dataset registry', () => {
  it('lists the five datasets', () => {
    assert.deepEqual(datasetNames(), ['fashion-mnist', 'mnist', 'cifar10', 'synthetic-image', 'synthetic-tokens']);
  });

  it('opens a synthetic dataset by name with its options', () => {
    const byName = openDataset('synthetic-tokens', { split: 'test', seed: 4, size: 10, seqLen: 8, vocabSize: 9 });
    const direct = openSyntheticTokens({ split: 'test', seed: 4, size: 10, seqLen: 8, vocabSize: 9 });
    assert.equal(byName.size, 10);
    assert.deepEqual(byName.gather([0, 9]), direct.gather([0, 9]));
  });

  it('keeps only the first `size` samples of a file dataset', () => {
    const ds = openDataset('fashion-mnist', { split: 'test', dataDir: FASHION_MNIST_SYSTEM_DIR, size: 5 });
    assert.equal(ds.size, 5);
    assert.deepEqual([...ds.gather([0, 1, 2, 3, 4]).y], [9, 2, 1, 1, 6]);
    throwsOneLine(() => ds.gather([5]), 'E_DATA', 'fashion-mnist/test', 'index 5');
  });

  it('rejects an unknown name listing the valid ones, and an option the dataset does not take', () => {
    throwsOneLine(() => openDataset('imagenet', { split: 'train' }), 'E_DATA', "'imagenet'", datasetNames().join(', '));
    throwsOneLine(() => openDataset('mnist', { split: 'train', seed: 1 }), 'E_USAGE', 'seed', 'mnist');
  });
});
