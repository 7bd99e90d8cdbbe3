/** Multi-head self-attention over [N, S, hidden] with a fused QKV projection (no mask). */
import * as tf from '@tensorflow/tfjs';
import { dense } from './layers.js';

/** [N, S, heads * d] -> [N, heads, S, d] */
function splitHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  const [n, s, h] = x.shape;
  return tf.transpose(tf.reshape(x, [n, s, heads, h / heads]), [0, 2, 1, 3]);
}

/** softmax(Q K^T / sqrt(d)) V, then the output projection. Params: wqkv [h, 3h], bqkv, wo [h, h], bo. */
export function selfAttention(x: tf.Tensor, p: Readonly<Record<string, tf.Tensor>>, heads: number): tf.Tensor {
  const [n, s, h] = x.shape;
  const [q, k, v] = tf.split(dense(x, p.wqkv, p.bqkv), 3, -1).map((t) => splitHeads(t, heads));
  const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(h / heads));
  const context = tf.matMul(tf.softmax(scores), v);
  const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [n, s, h]);
  return dense(merged, p.wo, p.bo);
}

/** Forward FLOPs of `selfAttention` for one sequence (see layers.ts for the convention). */
export function selfAttentionFlops(seqLen: number, hidden: number, heads: number): number {
  const projections = 2 * seqLen * hidden * 3 * hidden + 3 * seqLen * hidden + 2 * seqLen * hidden * hidden + seqLen * hidden;
  const scores = 2 * seqLen * seqLen * hidden + 2 * heads * seqLen * seqLen; // QK^T, then scale and softmax
  const context = 2 * seqLen * seqLen * hidden;
  return projections + scores + context;
}
