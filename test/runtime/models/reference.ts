/**
 * Test-only reference computations that bypass StageModule and the tape: plain block application
 * and `tf.grads` over the whole model. Transparency tests compare StageModule against these.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../../runtime/models/block.js';
import { lossFunction } from '../../../runtime/models/loss.js';
import { paramKey, trainableKeys, type StageParams } from '../../../runtime/models/params.js';

/** The tiny configuration of every zoo model that the tests use. */
export const TINY: Readonly<Record<string, Record<string, number | string>>> = {
  mlp: { inputHeight: 4, inputWidth: 4, inputChannels: 2, hidden: 6, layers: 2, numClasses: 5 },
  tinycnn: { inputHeight: 8, inputWidth: 8, inputChannels: 1, channels: 2, numClasses: 4 },
};

/** Applies blocks [from, to) to h with plain `apply` calls (buffer updates dropped). */
export function applyBlocks(model: ModelSpec, params: ReadonlyMap<string, tf.Tensor>, h: tf.Tensor, from: number, to: number, training = true): tf.Tensor {
  for (let i = from; i < to; i++) {
    const bp: Record<string, tf.Tensor> = {};
    for (const spec of model.blocks[i].params) bp[spec.name] = params.get(paramKey(i, spec.name)) as tf.Tensor;
    h = model.blocks[i].apply(bp, h, { training }).y;
  }
  return h;
}

/** Loss of blocks [from, n) on activation h, and its gradients w.r.t. h (if float) and every trainable param of those blocks. */
export function referenceGrads(model: ModelSpec, params: StageParams, h: tf.Tensor, labels: tf.Tensor, from = 0): { loss: number; dh: tf.Tensor | null; grads: StageParams } {
  const keys = trainableKeys(model, [from, model.blocks.length]);
  const withInput = h.dtype === 'float32';
  const lossOf = lossFunction(model.loss);
  const f = (...xs: tf.Tensor[]) => {
    const p = new Map(params);
    keys.forEach((k, i) => p.set(k, xs[i]));
    const input = withInput ? xs[keys.length] : h;
    return lossOf(applyBlocks(model, p, input, from, model.blocks.length), labels);
  };
  const xs = keys.map((k) => params.get(k) as tf.Tensor);
  if (withInput) xs.push(h);
  const { value, grads } = tf.valueAndGrads(f)(xs);
  const loss = value.dataSync()[0];
  value.dispose();
  return { loss, dh: withInput ? grads[keys.length] : null, grads: new Map(keys.map((k, i) => [k, grads[i]])) };
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

export function bitsEqual(a: tf.Tensor, b: tf.Tensor): boolean {
  const x = new Uint32Array(a.dataSync().slice().buffer);
  const y = new Uint32Array(b.dataSync().slice().buffer);
  return a.dtype === b.dtype && tf.util.arraysEqual(a.shape, b.shape) && x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Deterministic input and labels for `model` with batch `n`. */
export function sampleBatch(model: ModelSpec, n: number, seed: number): { x: tf.Tensor; labels: tf.Tensor } {
  const x = model.inputDtype === 'int32'
    ? tf.randomUniform([n, ...model.inputShape], 0, model.numClasses, 'int32', seed)
    : tf.randomNormal([n, ...model.inputShape], 0, 1, 'float32', seed);
  const raw = tf.randomUniform([n, ...model.labelShape], 0, model.numClasses, 'int32', seed + 1);
  if (model.loss !== 'masked-lm') return { x, labels: raw };
  // ignore every third position so the mask matters
  const ignore = tf.tensor(Array.from({ length: raw.size }, (_, i) => i % 3 === 0), raw.shape, 'bool');
  const labels = tf.where(ignore, tf.fill(raw.shape, -1, 'int32'), raw);
  raw.dispose();
  ignore.dispose();
  return { x, labels };
}
