import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { batchNorm, gelu, layerNorm, NORM_EPSILON } from '../../../runtime/models/layers.js';
import { selfAttention } from '../../../runtime/models/attention.js';

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((v, i) => assert.ok(Math.abs(actual[i] - v) <= tol, `[${i}] ${actual[i]} vs ${v}`));
}

describe('layers', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('batch norm (training) normalises per channel and moves running stats like PyTorch', () => {
    // N=2, 1x1 spatial, C=2: channel 0 sees [1, 3], channel 1 sees [2, 6]
    const x = tf.tensor4d([1, 2, 3, 6], [2, 1, 1, 2]);
    const p = { bn_gamma: tf.tensor1d([1, 2]), bn_beta: tf.tensor1d([0, 1]), bn_mean: tf.zeros([2]), bn_var: tf.ones([2]) };
    const { y, updates } = batchNorm(x, p, 'bn', true);
    const s0 = 1 / Math.sqrt(1 + NORM_EPSILON); // batch var of channel 0 is 1
    const s1 = 2 / Math.sqrt(4 + NORM_EPSILON); // batch var of channel 1 is 4
    close(y.dataSync(), [-s0, 1 - 2 * s1, s0, 1 + 2 * s1]);
    // running = 0.9 running + 0.1 batch; the variance is unbiased (n = 2): [2, 8]
    close(updates?.bn_mean.dataSync() ?? [], [0.2, 0.4]);
    close(updates?.bn_var.dataSync() ?? [], [1.1, 1.7]);
    const inference = batchNorm(x, p, 'bn', false);
    assert.equal(inference.updates, undefined);
    const e = 1 / Math.sqrt(1 + NORM_EPSILON);
    close(inference.y.dataSync(), [e, 1 + 4 * e, 3 * e, 1 + 12 * e]);
    tf.dispose([x, y, inference.y, ...Object.values(p), ...Object.values(updates ?? {})]);
  });

  it('layer norm normalises the last axis', () => {
    const x = tf.tensor2d([[1, 3], [0, 0]]);
    const p = { ln_gamma: tf.tensor1d([1, 1]), ln_beta: tf.tensor1d([0, 0.5]) };
    const y = layerNorm(x, p, 'ln');
    const s = 1 / Math.sqrt(1 + NORM_EPSILON);
    close(y.dataSync(), [-s, s + 0.5, 0, 0.5]);
    tf.dispose([x, y, ...Object.values(p)]);
  });

  it('gelu is the tanh approximation', () => {
    const x = tf.tensor1d([-1, 0, 1, 3]);
    const y = gelu(x);
    close(y.dataSync(), [-0.158808, 0, 0.841192, 2.996363]);
    tf.dispose([x, y]);
  });

  it('self-attention matches a loop-by-loop computation', () => {
    const [S, H, heads] = [3, 4, 2];
    const d = H / heads;
    const xs = Array.from({ length: S * H }, (_, i) => Math.sin(i + 1));
    const wqkv = Array.from({ length: H * 3 * H }, (_, i) => Math.cos(i) / 3);
    const wo = Array.from({ length: H * H }, (_, i) => Math.sin(2 * i) / 2);
    const bqkv = Array.from({ length: 3 * H }, (_, i) => i / 10);
    const bo = [0.1, -0.1, 0.2, 0];
    // reference: qkv[s][j] = sum_i x[s][i] wqkv[i][j] + b[j]; head h uses columns h*d..h*d+d of q, k, v
    const qkv = Array.from({ length: S }, (_, s) => Array.from({ length: 3 * H }, (_, j) => bqkv[j] + xs.slice(s * H, s * H + H).reduce((a, v, i) => a + v * wqkv[i * 3 * H + j], 0)));
    const ctx = Array.from({ length: S }, () => new Array<number>(H).fill(0));
    for (let h = 0; h < heads; h++) {
      for (let s = 0; s < S; s++) {
        const scores = Array.from({ length: S }, (_, t) => {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += qkv[s][h * d + c] * qkv[t][H + h * d + c];
          return dot / Math.sqrt(d);
        });
        const m = Math.max(...scores);
        const e = scores.map((v) => Math.exp(v - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let t = 0; t < S; t++) for (let c = 0; c < d; c++) ctx[s][h * d + c] += (e[t] / z) * qkv[t][2 * H + h * d + c];
      }
    }
    const expected = ctx.flatMap((row) => Array.from({ length: H }, (_, j) => bo[j] + row.reduce((a, v, i) => a + v * wo[i * H + j], 0)));
    const p = { wqkv: tf.tensor2d(wqkv, [H, 3 * H]), bqkv: tf.tensor1d(bqkv), wo: tf.tensor2d(wo, [H, H]), bo: tf.tensor1d(bo) };
    const x = tf.tensor3d(xs, [1, S, H]);
    const y = selfAttention(x, p, heads);
    assert.deepEqual(y.shape, [1, S, H]);
    close(y.dataSync(), expected);
    tf.dispose([x, y, ...Object.values(p)]);
  });
});
