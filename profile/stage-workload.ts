/**
 * A stage workload for dataset collection: blocks [start, end) of a model at a batch size, run
 * through the very code a pipeline worker runs (runtime/worker/stage-state.ts over
 * runtime/models/stage.ts), one microbatch at a time:
 *
 *   forward (the last stage: through the loss, reading the loss back)
 *   -> download the boundary activation (as the executor does before a send)
 *   -> "send" it through the optional send-delay hook (the net interferer)
 *   -> backward with a fixed dy (the last stage: from the loss) -> download dx (not on stage 0)
 *   -> optimizer step (SGD) -> read back the smallest updated parameter.
 *
 * The last read is the one thing a worker does not do: it makes an asynchronous backend (webgpu)
 * finish the step inside this microbatch's time, so every microbatch is timed end to end. Compute
 * time excludes the send wait; both are reported per microbatch.
 */
import * as tf from '@tensorflow/tfjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { activationBytesPerSample, paramCount, type ModelSpec } from '../runtime/models/block.js';
import { DynpipeError } from '../runtime/errors.js';
import { initStageParams, paramKey } from '../runtime/models/params.js';
import { createOptimizer } from '../runtime/train/optimizer.js';
import { StageState } from '../runtime/worker/stage-state.js';
import type { SendDelay, WorkloadRun } from '../predictor/collect.js';

const WARMUP_MIN_STEPS = 3;
const WARMUP_MIN_MS = 300;
/** A small learning rate keeps parameters finite over thousands of steps on fixed data. */
const LEARNING_RATE = 1e-4;

export interface StageTimer {
  /** Runs `microbatches` full training steps of the stage, timing each. */
  run(microbatches: number, sendDelay: SendDelay | null): Promise<WorkloadRun>;
  dispose(): void;
}

/** The rank the stage's boundary activation goes to in the send hook's view (stage k sends to k+1). */
const NEXT_RANK = 1;

/** Key of the trainable parameter with the fewest elements (the cheapest one to read back). */
function smallestTrainable(spec: ModelSpec, start: number, end: number): string | null {
  let best: { key: string; size: number } | null = null;
  for (let i = start; i < end; i++) {
    for (const p of spec.blocks[i].params) {
      if (p.trainable && (best === null || paramCount(p) < best.size)) best = { key: paramKey(i, p.name), size: paramCount(p) };
    }
  }
  return best?.key ?? null;
}

function stageInput(spec: ModelSpec, start: number, batchSize: number, seed: number): tf.Tensor {
  const first = spec.blocks[start];
  const shape = [batchSize, ...first.inputShape];
  // Token ids: any valid id costs the same; 0 is valid for every vocabulary.
  return first.inputDtype === 'int32' ? tf.zeros(shape, 'int32') : tf.randomNormal(shape, 0, 1, 'float32', seed);
}

/** Builds the stage on the current tfjs backend and warms it up (untimed). */
export async function createStageTimer(spec: ModelSpec, start: number, end: number, batchSize: number, seed = 1): Promise<StageTimer> {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= spec.blocks.length)) {
    throw new DynpipeError('E_MODEL', `block range [${start}, ${end}) is not inside ${spec.name}'s ${spec.blocks.length} blocks`);
  }
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new DynpipeError('E_MODEL', `batch size must be a positive integer, got ${batchSize}`);
  const state = new StageState(spec, [start, end], initStageParams(spec, [start, end], seed), createOptimizer({ optimizer: 'sgd', lr: LEARNING_RATE }));
  const outputShape = [batchSize, ...state.module.outputShape];
  const x = stageInput(spec, start, batchSize, seed);
  const labels = state.isLast ? tf.zeros([batchSize, ...spec.labelShape], 'int32') : null;
  const dy = state.isLast ? null : tf.randomNormal(outputShape, 0, 1e-3, 'float32', seed + 1);
  const readBack = smallestTrainable(spec, start, end);
  const boundaryBytes = activationBytesPerSample(state.module.outputShape) * batchSize;
  let mb = 0;

  /** One microbatch; resolves with its compute ms and the ms it waited on the send hook. */
  const step = async (sendDelay: SendDelay | null): Promise<{ computeMs: number; sendWaitMs: number }> => {
    const version = state.version;
    const t0 = performance.now();
    if (labels !== null) {
      await state.forwardLoss(mb, version, x, labels);
    } else {
      const y = state.forward(mb, version, x);
      await y.data();
      y.dispose();
    }
    const t1 = performance.now();
    if (sendDelay !== null) await sleep(sendDelay(NEXT_RANK, boundaryBytes));
    const t2 = sendDelay !== null ? performance.now() : t1;
    const dx = state.backward(mb, version, dy);
    if (dx !== null) {
      await dx.data();
      dx.dispose();
    }
    state.step(version);
    if (readBack !== null) await state.params.get(readBack)!.data();
    mb++;
    return { computeMs: t1 - t0 + (performance.now() - t2), sendWaitMs: t2 - t1 };
  };

  // Warm up until V8 has optimised the kernels' JavaScript and shaders are compiled: otherwise the
  // first runs of small stages are slower than later ones and slowdowns read below 1.
  const w0 = performance.now();
  for (let n = 0; n < WARMUP_MIN_STEPS || performance.now() - w0 < WARMUP_MIN_MS; n++) await step(null);

  return {
    async run(microbatches, sendDelay) {
      const computeMs: number[] = [];
      const sendWaitMs: number[] = [];
      const t0 = performance.now();
      for (let m = 0; m < microbatches; m++) {
        const t = await step(sendDelay);
        computeMs.push(t.computeMs);
        sendWaitMs.push(t.sendWaitMs);
      }
      return { computeMs, sendWaitMs, sends: sendDelay ? microbatches : 0, wallMs: performance.now() - t0 };
    },
    dispose() {
      state.dispose();
      tf.dispose([x, ...(labels ? [labels] : []), ...(dy ? [dy] : [])]);
    },
  };
}
