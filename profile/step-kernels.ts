/**
 * The kernels of one training step of a whole model (forward, loss, backward; no optimizer
 * update) on the current tfjs backend, each with its device time (runtime/backend/kernel-times.ts).
 * Runs `warmup` unprofiled steps first so shaders are compiled and buffers pooled; every tensor
 * made here is freed before returning.
 */
import * as tf from '@tensorflow/tfjs';
import { profileKernels, type KernelCall } from '../runtime/backend/kernel-times.js';
import type { ModelSpec } from '../runtime/models/block.js';
import { disposeParams, initStageParams } from '../runtime/models/params.js';
import { StageModule } from '../runtime/models/stage.js';

function randomBatch(model: ModelSpec, batch: number): { x: tf.Tensor; labels: tf.Tensor } {
  const x = model.inputDtype === 'int32'
    ? tf.randomUniform([batch, ...model.inputShape], 0, model.numClasses, 'int32', 1)
    : tf.randomUniform([batch, ...model.inputShape], -1, 1, 'float32', 1);
  return { x, labels: tf.randomUniform([batch, ...model.labelShape], 0, model.numClasses, 'int32', 2) };
}

/** The step's outputs: loss, parameter gradients, buffer updates (the caller frees them). */
function trainingStep(stage: StageModule, params: Map<string, tf.Tensor>, x: tf.Tensor, labels: tf.Tensor): tf.Tensor[] {
  const r = stage.forwardLoss(params, x, labels, { training: true });
  const { grads } = stage.backward(r.pending, null);
  r.pending.dispose();
  return [r.loss, r.logits, ...grads.values(), ...r.bufferUpdates.values()];
}

export async function profileTrainingStep(model: ModelSpec, batch: number, warmup: number): Promise<KernelCall[]> {
  const n = model.blocks.length;
  const stage = new StageModule(model, [0, n]);
  const params = initStageParams(model, [0, n], 0);
  const { x, labels } = randomBatch(model, batch);
  try {
    for (let i = 0; i < warmup; i++) {
      const outs = trainingStep(stage, params, x, labels);
      await outs[0].data();
      tf.dispose(outs);
    }
    return await profileKernels(() => trainingStep(stage, params, x, labels));
  } finally {
    tf.dispose([x, labels]);
    disposeParams(params);
  }
}
