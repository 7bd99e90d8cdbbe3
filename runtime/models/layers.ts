/**
 * The functional layers blocks are built from: pure functions of explicit tensors, plus the
 * parameter specs and FLOP counts that go with them.
 *
 * FLOP convention (forward, one sample): a multiply-add of a convolution or matrix product is 2
 * FLOPs; every elementwise layer (bias, normalisation, activation, residual add, softmax, scale)
 * costs 1 FLOP per element it outputs; pooling costs its window size per output element.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamSpec, Shape } from './block.js';

export const NORM_EPSILON = 1e-5;
/** PyTorch's default: running = (1 - m) * running + m * batch. */
export const BN_MOMENTUM = 0.1;

export function elements(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

// ---- parameter specs -------------------------------------------------------------------------

export function convWeight(name: string, k: number, cin: number, cout: number): ParamSpec {
  return { name, shape: [k, k, cin, cout], init: { kind: 'he-normal', fanIn: k * k * cin }, trainable: true };
}

export function denseWeight(name: string, fanIn: number, fanOut: number): ParamSpec {
  return { name, shape: [fanIn, fanOut], init: { kind: 'glorot-uniform', fanIn, fanOut }, trainable: true };
}

export function bias(name: string, n: number): ParamSpec {
  return { name, shape: [n], init: { kind: 'zeros' }, trainable: true };
}

/** Scale `${p}_gamma`, shift `${p}_beta` (trainable) and, for batch norm, running `${p}_mean`/`${p}_var`. */
export function normParams(prefix: string, channels: number, withRunningStats: boolean): ParamSpec[] {
  const specs: ParamSpec[] = [
    { name: `${prefix}_gamma`, shape: [channels], init: { kind: 'ones' }, trainable: true },
    { name: `${prefix}_beta`, shape: [channels], init: { kind: 'zeros' }, trainable: true },
  ];
  if (withRunningStats) {
    specs.push({ name: `${prefix}_mean`, shape: [channels], init: { kind: 'zeros' }, trainable: false });
    specs.push({ name: `${prefix}_var`, shape: [channels], init: { kind: 'ones' }, trainable: false });
  }
  return specs;
}

// ---- FLOPs -----------------------------------------------------------------------------------

/** A k x k convolution producing `out` = [h, w, cout] from `cin` channels. */
export function convFlops(out: Shape, k: number, cin: number): number {
  return 2 * elements(out) * k * k * cin;
}

/** A matrix product of `rows` rows of `fanIn` by [fanIn, fanOut]. */
export function matmulFlops(rows: number, fanIn: number, fanOut: number): number {
  return 2 * rows * fanIn * fanOut;
}

// ---- ops -------------------------------------------------------------------------------------

type Params = Readonly<Record<string, tf.Tensor>>;

export interface NormResult {
  y: tf.Tensor;
  updates?: Record<string, tf.Tensor>;
}

/**
 * Batch norm over all axes but the last. Training: batch statistics, and new running statistics
 * (unbiased variance, momentum BN_MOMENTUM) returned as buffer updates. Inference: running stats.
 * Written with elementwise ops so the gradient flows through the batch statistics.
 */
export function batchNorm(x: tf.Tensor, p: Params, prefix: string, training: boolean): NormResult {
  const gamma = p[`${prefix}_gamma`];
  const beta = p[`${prefix}_beta`];
  if (!training) {
    const inv = tf.rsqrt(tf.add(p[`${prefix}_var`], NORM_EPSILON));
    return { y: tf.add(tf.mul(tf.mul(tf.sub(x, p[`${prefix}_mean`]), inv), gamma), beta) };
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const y = tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, NORM_EPSILON))), gamma), beta);
  const n = elements(x.shape) / x.shape[x.shape.length - 1];
  const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
  const updates = {
    [`${prefix}_mean`]: tf.add(tf.mul(p[`${prefix}_mean`], 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)),
    [`${prefix}_var`]: tf.add(tf.mul(p[`${prefix}_var`], 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)),
  };
  return { y, updates };
}

/** Layer norm over the last axis (no running statistics). */
export function layerNorm(x: tf.Tensor, p: Params, prefix: string): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, NORM_EPSILON)));
  return tf.add(tf.mul(normed, p[`${prefix}_gamma`]), p[`${prefix}_beta`]);
}

/** x [..., fanIn] @ w [fanIn, fanOut] + b, for any number of leading axes. */
export function dense(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const lead = x.shape.slice(0, -1);
  const fanIn = x.shape[x.shape.length - 1];
  const y = tf.matMul(tf.reshape(x, [-1, fanIn]) as tf.Tensor2D, w as tf.Tensor2D);
  const withBias = b === undefined ? y : tf.add(y, b);
  return lead.length === 1 ? withBias : tf.reshape(withBias, [...lead, w.shape[1] as number]);
}

export function conv(x: tf.Tensor, w: tf.Tensor, stride: number): tf.Tensor4D {
  return tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, 'same');
}

/** GELU, tanh approximation (as in BERT's reference code). */
export function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** 2x2 max pool, stride 2, 'same' padding (output ceil(h/2) x ceil(w/2)). */
export function maxPool2(x: tf.Tensor): tf.Tensor {
  return tf.maxPool(x as tf.Tensor4D, 2, 2, 'same');
}

/** Merges buffer updates from several norm layers into one record. */
export function mergeUpdates(...parts: Array<Record<string, tf.Tensor> | undefined>): Record<string, tf.Tensor> | undefined {
  const all = Object.assign({}, ...parts.filter((u) => u !== undefined)) as Record<string, tf.Tensor>;
  return Object.keys(all).length > 0 ? all : undefined;
}
