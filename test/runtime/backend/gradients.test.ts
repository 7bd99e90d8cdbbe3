/**
 * Gradients of small training graphs (conv, max-pool, dense + softmax cross-entropy, embedding
 * gather, attention, depthwise conv) on wasm and on webgpu (lavapipe here) equal the cpu backend's
 * to 1e-4 relative to each gradient's largest value. Every loss weights its outputs by fixed random
 * values, so no gradient is a trivial all-ones pattern.
 */
import * as tf from '@tensorflow/tfjs-core';
import { releaseBackends, selectBackend, type ConcreteBackend } from '../../../runtime/backend/select.js';
import { assertClose, randomValues, runOn, seededRandom } from './helpers.js';

interface GradCase {
  label: string;
  /** float32 inputs are drawn from a seeded generator; int32 ones carry their values. */
  inputs: Record<string, { shape: number[]; ints?: number[] }>;
  /** The inputs to differentiate with respect to. */
  wrt: string[];
  loss: (t: Record<string, tf.Tensor>) => tf.Scalar;
}

function weighted(y: tf.Tensor, w: tf.Tensor): tf.Scalar {
  return tf.sum(tf.mul(y, w));
}

function layerNorm(x: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)));
}

const CASES: GradCase[] = [
  {
    label: 'conv2d + bias + relu, stride 1 same and stride 2 valid',
    inputs: { x: { shape: [2, 7, 7, 3] }, f: { shape: [3, 3, 3, 5] }, b: { shape: [5] }, f2: { shape: [3, 3, 5, 6] }, w: { shape: [2, 3, 3, 6] } },
    wrt: ['x', 'f', 'b', 'f2'],
    loss: ({ x, f, b, f2, w }) => {
      const h = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'), b));
      return weighted(tf.conv2d(h as tf.Tensor4D, f2 as tf.Tensor4D, 2, 'valid'), w);
    },
  },
  {
    label: 'max-pool 2x2/2 valid and 3x3/2 same',
    inputs: { x: { shape: [2, 8, 8, 3] }, w1: { shape: [2, 4, 4, 3] }, w2: { shape: [2, 4, 4, 3] } },
    wrt: ['x'],
    loss: ({ x, w1, w2 }) => tf.add(weighted(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), w1), weighted(tf.maxPool(x as tf.Tensor4D, 3, 2, 'same'), w2)),
  },
  {
    label: 'max-pool 2x2/2 same on an odd size, after relu',
    inputs: { x: { shape: [1, 7, 7, 4] }, w: { shape: [1, 4, 4, 4] } },
    wrt: ['x'],
    loss: ({ x, w }) => weighted(tf.maxPool(tf.relu(x) as tf.Tensor4D, 2, 2, 'same'), w),
  },
  {
    label: 'avg-pool 3x3/2 same and global average pool',
    inputs: { x: { shape: [2, 7, 7, 3] }, w1: { shape: [2, 4, 4, 3] }, w2: { shape: [2, 3] } },
    wrt: ['x'],
    loss: ({ x, w1, w2 }) => tf.add(weighted(tf.avgPool(x as tf.Tensor4D, 3, 2, 'same'), w1), weighted(tf.mean(x, [1, 2]), w2)),
  },
  {
    label: 'dense + relu + dense + softmax cross-entropy',
    inputs: { x: { shape: [4, 6] }, w1: { shape: [6, 7] }, b1: { shape: [7] }, w2: { shape: [7, 5] }, labels: { shape: [4], ints: [1, 0, 4, 2] } },
    wrt: ['x', 'w1', 'b1', 'w2'],
    loss: ({ x, w1, b1, w2, labels }) => {
      const logits = tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(labels as tf.Tensor1D, 5), logits) as tf.Scalar;
    },
  },
  {
    label: 'embedding gather with repeated ids',
    inputs: { table: { shape: [10, 4] }, ids: { shape: [2, 3], ints: [3, 7, 3, 0, 9, 7] }, w: { shape: [2, 3, 4] } },
    wrt: ['table'],
    loss: ({ table, ids, w }) => weighted(tf.gather(table, ids), w),
  },
  {
    label: 'attention: softmax(q k^T / 2) v, layer norm',
    inputs: { q: { shape: [2, 2, 5, 4] }, k: { shape: [2, 2, 5, 4] }, v: { shape: [2, 2, 5, 4] }, w: { shape: [2, 2, 5, 4] } },
    wrt: ['q', 'k', 'v'],
    loss: ({ q, k, v, w }) => weighted(layerNorm(tf.matMul(tf.softmax(tf.div(tf.matMul(q, k, false, true), 2)), v)), w),
  },
  {
    label: 'depthwise conv, multiplier 2',
    inputs: { x: { shape: [1, 6, 6, 3] }, f: { shape: [3, 3, 3, 2] }, w: { shape: [1, 6, 6, 6] } },
    wrt: ['x', 'f'],
    loss: ({ x, f, w }) => weighted(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'), w),
  },
];

function gradients(c: GradCase, values: Record<string, Float32Array | Int32Array>): tf.Tensor[] {
  const t = Object.fromEntries(Object.entries(c.inputs).map(([name, spec]) => [name, tf.tensor(values[name], spec.shape, spec.ints ? 'int32' : 'float32')]));
  const f = (...xs: tf.Tensor[]) => c.loss({ ...t, ...Object.fromEntries(c.wrt.map((name, i) => [name, xs[i]])) });
  return tf.grads(f)(c.wrt.map((name) => t[name]));
}

const BACKENDS: ConcreteBackend[] = ['wasm', 'webgpu'];

describe('gradients against cpu', () => {
  after(() => releaseBackends());

  for (const backend of BACKENDS) {
    describe(backend, () => {
      before(async () => {
        await selectBackend(backend);
      });

      CASES.forEach((c, i) => {
        it(c.label, async () => {
          const random = seededRandom(2000 + i);
          const values = Object.fromEntries(Object.entries(c.inputs).map(([name, spec]) => [name, spec.ints ? Int32Array.from(spec.ints) : randomValues(spec.shape, random)]));
          const expected = await runOn('cpu', () => gradients(c, values));
          const actual = await runOn(backend, () => gradients(c, values));
          c.wrt.forEach((name, j) => assertClose(actual[j], expected[j], 1e-4, `${backend} d(loss)/d(${name})`));
        });
      });
    });
  }
});
