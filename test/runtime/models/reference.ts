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
  vgg16: { inputHeight: 8, inputWidth: 8, inputChannels: 3, width: 1 / 32, numClasses: 3 },
  resnet50: { inputHeight: 4, inputWidth: 4, inputChannels: 3, width: 1 / 16, numClasses: 3 },
  bert: { vocabSize: 50, seqLen: 8, hidden: 16, layers: 2, heads: 2, ffn: 32 },
};

/** Every tiny configuration the transparency tests run: one per model plus variants. */
export const TINY_CONFIGS: ReadonlyArray<{ label: string; model: string; args: Record<string, number | string> }> = [
  ...Object.entries(TINY).map(([model, args]) => ({ label: model, model, args })),
  { label: 'bert (pre-LN)', model: 'bert', args: { ...TINY.bert, ln: 'pre' } },
];

/** Applies blocks [from, to) to h with plain `apply` calls (buffer updates dropped). */
export function applyBlocks(model: ModelSpec, params: ReadonlyMap<string, tf.Tensor>, h: tf.Tensor, from: number, to: number, training = true): tf.Tensor {
  for (let i = from; i < to; i++) {
    const bp: Record<string, tf.Tensor> = {};
    for (const spec of model.blocks[i].params) bp[spec.name] = params.get(paramKey(i, spec.name)) as tf.Tensor;
    h = model.blocks[i].apply(bp, h, { training }).y;
  }
  return h;
}

/**
 * Loss of the whole model on (x, labels) and its gradients w.r.t. every trainable parameter, by
 * one `tf.grads`. With `probeCuts`, a zero tensor is added to the activation at every cut
 * 0 < c < n whose activation is float32; its gradient is d loss / d activation at that cut
 * (`dAct`), so one backward checks the input gradients of every possible stage.
 */
export function referenceGrads(model: ModelSpec, params: StageParams, x: tf.Tensor, labels: tf.Tensor, probeCuts = false): { loss: number; dAct: Map<number, tf.Tensor>; grads: StageParams } {
  const n = model.blocks.length;
  const keys = trainableKeys(model, [0, n]);
  const cuts = probeCuts ? Array.from({ length: n - 1 }, (_, i) => i + 1).filter((c) => model.blocks[c].inputDtype === 'float32') : [];
  const probes = cuts.map((c) => tf.zeros([x.shape[0], ...model.blocks[c].inputShape]));
  const lossOf = lossFunction(model.loss);
  const f = (...xs: tf.Tensor[]) => {
    const p = new Map(params);
    keys.forEach((k, i) => p.set(k, xs[i]));
    let h = x;
    for (let b = 0; b < n; b++) {
      const j = cuts.indexOf(b);
      if (j >= 0) h = tf.add(h, xs[keys.length + j]);
      h = applyBlocks(model, p, h, b, b + 1);
    }
    return lossOf(h, labels);
  };
  const { value, grads } = tf.valueAndGrads(f)([...keys.map((k) => params.get(k) as tf.Tensor), ...probes]);
  const loss = value.dataSync()[0];
  tf.dispose([value, ...probes]);
  return { loss, dAct: new Map(cuts.map((c, j) => [c, grads[keys.length + j]])), grads: new Map(keys.map((k, i) => [k, grads[i]])) };
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
