import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { recordTape } from '../../../runtime/models/tape.js';
import { bitsEqual } from './reference.js';

/** Uses w twice (so gradients accumulate), a reduction, a matmul and an unused branch. */
function f(w: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const h = tf.tanh(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D));
  tf.exp(w); // off the path to y: must not matter
  return tf.sum(tf.mul(tf.matMul(h, w as tf.Tensor2D), h));
}

describe('tape: record a forward now, differentiate it later', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('gives gradients bit-identical to tf.grads, and frees everything it saved', () => {
    const w = tf.tensor2d([0.3, -0.2, 0.5, 0.1], [2, 2]);
    const x = tf.tensor2d([1, 2, -1, 0.5, 0, 3], [3, 2]);
    const unrelated = tf.scalar(4);
    const expected = tf.grads(f)([w, x]);
    const before = tf.memory().numTensors;
    const { result: y, tape } = recordTape(() => f(w, x));
    const seed = tf.ones([]);
    const [gw, gx, gu] = tape.backprop(y, [w, x, unrelated], seed);
    assert.equal(gu, null);
    assert.ok(bitsEqual(gw as tf.Tensor, expected[0]));
    assert.ok(bitsEqual(gx as tf.Tensor, expected[1]));
    assert.ok(tape.disposed);
    tf.dispose([y, seed, gw as tf.Tensor, gx as tf.Tensor]);
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => tape.backprop(y, [w], seed), /already consumed/);
    tf.dispose([w, x, unrelated, ...expected]);
  });

  it('differentiates the weights the forward saw, even after they are replaced', () => {
    const w = tf.tensor2d([0.3, -0.2, 0.5, 0.1], [2, 2]);
    const x = tf.tensor2d([1, 2, -1, 0.5], [2, 2]);
    const expected = tf.grad((v: tf.Tensor) => f(v, x))(w);
    const { result: y, tape } = recordTape(() => f(w, x));
    // other forwards and an update in between, as in a 1F1B pipeline
    const w2 = tf.add(w, 1);
    const other = recordTape(() => f(w2, x));
    other.tape.dispose();
    const seed = tf.ones([]);
    const [gw] = tape.backprop(y, [w], seed);
    assert.ok(bitsEqual(gw as tf.Tensor, expected));
    tf.dispose([w, w2, x, y, other.result, seed, gw as tf.Tensor, expected]);
  });

  it('refuses to record inside tf.grad and restores the engine after a throw', () => {
    const w = tf.scalar(2);
    assert.throws(() => tf.grad((v: tf.Tensor) => recordTape(() => tf.mul(v, v)).result)(w), /inside tf\.grad/);
    const before = tf.memory().numTensors;
    assert.throws(() => recordTape(() => {
      tf.mul(w, w);
      throw new Error('boom');
    }), /boom/);
    assert.equal(tf.memory().numTensors, before);
    const g = tf.grad((v: tf.Tensor) => tf.mul(v, v))(w); // the engine's own tape still works
    assert.equal(g.dataSync()[0], 4);
    tf.dispose([w, g]);
  });
});
