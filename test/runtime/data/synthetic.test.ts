import { strict as assert } from 'node:assert';
import { FIRST_WORD_TOKEN, MASK_TOKEN, openSyntheticImage, openSyntheticTokens } from '../../../runtime/data/synthetic.js';
import type { Dataset } from '../../../runtime/data/dataset.js';
import { throwsOneLine } from './helpers.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function assertDeterministicAndRandomAccess(open: (seed: number) => Dataset): void {
  const a = open(1).gather([7, 3, 7]);
  assert.deepEqual(open(1).gather([7, 3, 7]), a, 'same seed, same samples');
  const [x7, x3] = [open(1).gather([7]), open(1).gather([3])];
  const len = x7.x.length;
  assert.deepEqual(a.x.subarray(0, len), x7.x, 'sample 7 does not depend on its batch');
  assert.deepEqual(a.x.subarray(len, 2 * len), x3.x);
  assert.deepEqual(a.x.subarray(2 * len), x7.x, 'a repeated index repeats the sample');
  assert.notDeepEqual(open(2).gather([7, 3]).x, open(1).gather([7, 3]).x, 'another seed, other samples');
}

describe('synthetic-image', () => {
  const open = (seed: number, split: 'train' | 'test' = 'train') => openSyntheticImage({ split, seed, size: 400, shape: [8, 8, 2], numClasses: 5 });

  it('is deterministic per seed and the same whatever batch a sample is gathered in', () => {
    assertDeterministicAndRandomAccess(open);
  });

  it('has the requested shape, labels in [0, classes), pixels in [0, 1], and distinct splits', () => {
    const ds = open(0);
    assert.deepEqual(ds.inputShape, [8, 8, 2]);
    const { x, y } = ds.gather(range(400));
    assert.equal(x.length, 400 * 128);
    assert.ok(x.every((v) => v >= 0 && v <= 1));
    assert.deepEqual(new Set(y), new Set([0, 1, 2, 3, 4]));
    assert.notDeepEqual(open(0, 'test').gather([0, 1]).x, ds.gather([0, 1]).x);
  });

  it('is learnable: class means estimated on train classify 95%+ of test samples', () => {
    const classes = 10;
    const shape = [12, 12, 1];
    const len = 144;
    const train = openSyntheticImage({ split: 'train', seed: 5, size: 500, shape, numClasses: classes }).gather(range(500));
    const means = range(classes).map(() => new Float64Array(len));
    const counts = new Array<number>(classes).fill(0);
    train.y.forEach((k, n) => {
      counts[k]++;
      for (let j = 0; j < len; j++) means[k][j] += train.x[n * len + j];
    });
    means.forEach((m, k) => m.forEach((v, j) => (m[j] = v / counts[k])));
    const test = openSyntheticImage({ split: 'test', seed: 5, size: 200, shape, numClasses: classes }).gather(range(200));
    let correct = 0;
    test.y.forEach((k, n) => {
      const dist = means.map((m) => m.reduce((s, v, j) => s + (v - test.x[n * len + j]) ** 2, 0));
      if (dist.indexOf(Math.min(...dist)) === k) correct++;
    });
    assert.ok(correct >= 190, `nearest class mean got ${correct}/200`);
  });

  it('rejects a shape that is not HxWxC', () => {
    throwsOneLine(() => openSyntheticImage({ split: 'train', shape: [28, 28] }), 'E_USAGE', '28x28');
  });
});

describe('synthetic-tokens', () => {
  const seqLen = 20;
  const vocabSize = 12;
  const words = vocabSize - FIRST_WORD_TOKEN;
  const open = (seed: number) => openSyntheticTokens({ split: 'train', seed, size: 300, seqLen, vocabSize });

  it('is deterministic per seed and the same whatever batch a sample is gathered in', () => {
    assertDeterministicAndRandomAccess(open);
  });

  it('masks round(15%) of positions with [MASK], labels the original word there and -1 elsewhere', () => {
    const ds = open(0);
    assert.deepEqual(ds.inputShape, [seqLen]);
    assert.equal(ds.inputDtype, 'int32');
    assert.deepEqual(ds.labelShape, [seqLen]);
    assert.equal(ds.numClasses, vocabSize);
    const { x, y } = ds.gather(range(300));
    for (let n = 0; n < 300; n++) {
      let masked = 0;
      for (let t = 0; t < seqLen; t++) {
        const [tok, label] = [x[n * seqLen + t], y[n * seqLen + t]];
        if (tok === MASK_TOKEN) {
          masked++;
          assert.ok(label >= FIRST_WORD_TOKEN && label < vocabSize, `label ${label}`);
        } else {
          assert.equal(label, -1);
          assert.ok(tok >= FIRST_WORD_TOKEN && tok < vocabSize, `token ${tok}`);
        }
      }
      assert.equal(masked, 3); // round(0.15 * 20)
    }
  });

  it('is learnable: the stride read off two unmasked neighbours predicts every masked word', () => {
    const { x, y } = open(3).gather(range(300));
    const mod = (a: number) => ((a % words) + words) % words;
    for (let n = 0; n < 300; n++) {
      const row = Array.from(x.subarray(n * seqLen, (n + 1) * seqLen));
      const j = row.findIndex((tok, t) => tok !== MASK_TOKEN && t + 1 < seqLen && row[t + 1] !== MASK_TOKEN);
      const stride = mod(row[j + 1] - row[j]);
      for (let t = 0; t < seqLen; t++) {
        if (row[t] !== MASK_TOKEN) continue;
        const predicted = FIRST_WORD_TOKEN + mod(row[j] - FIRST_WORD_TOKEN + (t - j) * stride);
        assert.equal(predicted, y[n * seqLen + t], `sample ${n} position ${t}`);
      }
    }
  });
});
