/**
 * Single-process reference training (`dynpipe train`): the whole model as one stage, one optimizer
 * step per minibatch. A pipeline with one microbatch in flight must reproduce its per-step losses
 * and final weights, so the data order (batchIndices) and the update rule are shared with the
 * pipeline worker. No I/O: progress and results go through callbacks.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../models/block.js';
import { disposeParams, initStageParams, type StageParams } from '../models/params.js';
import { StageModule } from '../models/stage.js';
import { createOptimizer, type OptimizerConfig } from './optimizer.js';
import type { Dataset } from '../data/dataset.js';
import { batchIndices, batchesPerEpoch } from '../data/batches.js';
import { batchTensors } from './batch-tensors.js';
import { evaluateModel, type EvalResult } from './evaluate.js';

export interface TrainOptions {
  model: ModelSpec;
  train: Dataset;
  test?: Dataset;
  batchSize: number;
  epochs: number;
  /** Stop after this many optimizer steps in total (for tests and smoke runs). */
  maxSteps?: number;
  seed: number;
  optimizer: OptimizerConfig;
  onStep?(s: StepReport): void;
  onEpoch?(e: EpochReport): void;
  /** Wall clock in ms; injected so the library reads no clock itself. */
  now?(): number;
}

export interface StepReport {
  epoch: number;
  iteration: number;
  step: number;
  loss: number;
  samples: number;
  ms: number;
  forwardMs: number;
  backwardMs: number;
  optimizerMs: number;
  stepsPerEpoch: number;
}

export interface EpochReport {
  epoch: number;
  meanLoss: number;
  steps: number;
  ms: number;
  test?: EvalResult;
}

export interface TrainResult {
  params: StageParams;
  steps: number;
  losses: number[];
  epochs: EpochReport[];
}

/** Replaces `params` entries by `updates`, disposing the tensors replaced. */
export function applyUpdates(params: StageParams, updates: StageParams): void {
  for (const [k, t] of updates) {
    params.get(k)?.dispose();
    params.set(k, t);
  }
}

export async function trainModel(o: TrainOptions): Promise<TrainResult> {
  const now = o.now ?? (() => 0);
  const n = o.model.blocks.length;
  const stage = new StageModule(o.model, [0, n]);
  let params = initStageParams(o.model, [0, n], o.seed);
  const optimizer = createOptimizer(o.optimizer);
  const order = { size: o.train.size, batchSize: o.batchSize, seed: o.seed, dropLast: true };
  const stepsPerEpoch = batchesPerEpoch(order);
  const losses: number[] = [];
  const epochs: EpochReport[] = [];
  let step = 0;
  for (let epoch = 0; epoch < o.epochs && !(o.maxSteps !== undefined && step >= o.maxSteps); epoch++) {
    const t0 = now();
    let sum = 0;
    let count = 0;
    for (let iteration = 0; iteration < stepsPerEpoch; iteration++) {
      if (o.maxSteps !== undefined && step >= o.maxSteps) break;
      const ts = now();
      const { x, y } = batchTensors(o.train, batchIndices({ ...order, epoch, iteration }));
      const tf0 = now();
      const { loss: lossTensor, logits, pending, bufferUpdates } = stage.forwardLoss(params, x, y, { training: true });
      logits.dispose();
      const loss = (await lossTensor.data())[0];
      lossTensor.dispose();
      const tb0 = now();
      const { dx, grads } = stage.backward(pending, null);
      dx?.dispose();
      const to0 = now();
      const next = optimizer.step(params, grads);
      disposeParams(grads);
      // Buffers (batch-norm running stats) are not trained: carry them over, updated by the forward.
      for (const [k, t] of params) if (!next.has(k)) next.set(k, t);
      for (const [k, t] of params) if (next.get(k) !== t) t.dispose();
      params = next;
      applyUpdates(params, bufferUpdates);
      x.dispose();
      y.dispose();
      losses.push(loss);
      sum += loss;
      count++;
      step++;
      const te = now();
      o.onStep?.({ epoch, iteration, step, loss, samples: o.batchSize, ms: te - ts, forwardMs: tb0 - tf0, backwardMs: to0 - tb0, optimizerMs: te - to0, stepsPerEpoch });
      if (step % 16 === 0) await tf.nextFrame();
    }
    const report: EpochReport = { epoch, meanLoss: count ? sum / count : NaN, steps: count, ms: now() - t0 };
    if (o.test) report.test = await evaluateModel(o.model, params, o.test);
    epochs.push(report);
    o.onEpoch?.(report);
  }
  return { params, steps: step, losses, epochs };
}
