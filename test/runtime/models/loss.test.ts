import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { maskedLmCrossEntropy, softmaxCrossEntropy } from '../../../runtime/models/loss.js';

function value(t: tf.Tensor): number {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}

describe('losses', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('softmax cross-entropy is the batch mean of -log p(label)', () => {
    // row 0: p = [1/4, 3/4], label 1; row 1: p = [1/2, 1/2], label 0
    const logits = tf.tensor2d([[0, Math.log(3)], [0, 0]]);
    const labels = tf.tensor1d([1, 0], 'int32');
    const expected = (-Math.log(0.75) - Math.log(0.5)) / 2;
    assert.ok(Math.abs(value(softmaxCrossEntropy(logits, labels)) - expected) < 1e-6);
    tf.dispose([logits, labels]);
  });

  it('is stable for huge logits', () => {
    const logits = tf.tensor2d([[1000, 0], [1000, 0]]);
    const labels = tf.tensor1d([0, 1], 'int32');
    assert.ok(Math.abs(value(softmaxCrossEntropy(logits, labels)) - 500) < 1e-3);
    tf.dispose([logits, labels]);
  });

  it('masked-LM averages over positions whose target is not -1', () => {
    // one sequence of 3 positions over a vocabulary of 2; position 1 is ignored
    const logits = tf.tensor3d([[[0, Math.log(3)], [50, -50], [Math.log(4), 0]]]);
    const targets = tf.tensor2d([[1, -1, 0]], [1, 3], 'int32');
    const expected = (-Math.log(3 / 4) - Math.log(4 / 5)) / 2;
    assert.ok(Math.abs(value(maskedLmCrossEntropy(logits, targets)) - expected) < 1e-6);
    const none = tf.fill([1, 3], -1, 'int32');
    assert.ok(value(maskedLmCrossEntropy(logits, none)) === 0); // -0 counts
    tf.dispose([logits, targets, none]);
  });

  it('masked-LM gradient is zero at ignored positions', () => {
    const logits = tf.tensor3d([[[0.1, 0.2], [0.3, 0.4]]]);
    const targets = tf.tensor2d([[-1, 1]], [1, 2], 'int32');
    const g = tf.grad((l: tf.Tensor) => maskedLmCrossEntropy(l, targets))(logits);
    const v = g.arraySync() as number[][][];
    assert.ok(v[0][0][0] === 0 && v[0][0][1] === 0, `ignored position got gradient ${v[0][0]}`);
    // d/dlogits of -log softmax at the kept position: softmax - onehot
    const p1 = Math.exp(0.4) / (Math.exp(0.3) + Math.exp(0.4));
    assert.ok(Math.abs(v[0][1][1] - (p1 - 1)) < 1e-6 && Math.abs(v[0][1][0] - (1 - p1)) < 1e-6);
    tf.dispose([logits, targets, g]);
  });
});
