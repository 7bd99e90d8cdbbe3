/**
 * A stage workload for dataset collection: forward + backward of blocks [start, end) of a model at
 * a batch size, timed per microbatch, with the boundary activation "sent" through an optional
 * send-delay hook (the net interferer) so send waits show up as they would in a pipeline.
 *
 * TODO(lead): once runtime/models/{stage,params}.ts are merged, run the stage through
 * `StageModule.forward`/`backward` with `initStageParams(spec, [start, end), seed)` instead of the
 * `tf.grads` closure below, so collection times exactly the code a worker runs. Everything else
 * (the collection loop, features, CLI) only sees `StageTimer`.
 */
import * as tf from '@tensorflow/tfjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { activationBytesPerSample, type ModelSpec } from '../runtime/models/block.js';
import { DynpipeError } from '../runtime/errors.js';
import type { SendDelay, WorkloadRun } from '../predictor/collect.js';

const WARMUP_MIN_STEPS = 3;
const WARMUP_MIN_MS = 300;

export interface StageTimer {
  /** Runs `microbatches` forward+backward passes, timing each. */
  run(microbatches: number, sendDelay: SendDelay | null): Promise<WorkloadRun>;
  dispose(): void;
}

/** Builds the stage's tensors on the current tfjs backend and warms it up (untimed). */
export async function createStageTimer(spec: ModelSpec, start: number, end: number, batchSize: number, seed = 1): Promise<StageTimer> {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= spec.blocks.length)) {
    throw new DynpipeError('E_MODEL', `block range [${start}, ${end}) is not inside ${spec.name}'s ${spec.blocks.length} blocks`);
  }
  const blocks = spec.blocks.slice(start, end);
  // Timing does not depend on parameter values: small normal values stand in for the real init.
  const params = blocks.map((b) => Object.fromEntries(b.params.map((p) => [p.name, tf.randomNormal(p.shape, 0, 0.05, 'float32', seed)])));
  const trainable = blocks.flatMap((b, j) => b.params.filter((p) => p.trainable).map((p) => ({ block: j, name: p.name })));
  const first = blocks[0];
  const x = first.inputDtype === 'int32' ? tf.zeros([batchSize, ...first.inputShape], 'int32') : tf.randomNormal([batchSize, ...first.inputShape], 0, 1, 'float32', seed);
  // A stage after the first also computes d loss / d x for its upstream neighbour.
  const withInput = start > 0 && first.inputDtype === 'float32';
  const wrt = [...(withInput ? [x] : []), ...trainable.map((t) => params[t.block][t.name])];
  const loss = (...ts: tf.Tensor[]): tf.Scalar => {
    const own = params.map((p) => ({ ...p }));
    trainable.forEach((t, i) => (own[t.block][t.name] = ts[i + (withInput ? 1 : 0)]));
    let h = withInput ? ts[0] : x;
    blocks.forEach((b, j) => (h = b.apply(own[j], h, { training: true }).y));
    return tf.sum(h);
  };
  const grads = tf.grads(loss);
  const boundaryBytes = activationBytesPerSample(blocks[blocks.length - 1].outputShape) * batchSize;

  const step = async (): Promise<void> => {
    const done = tf.tidy(() => tf.addN(grads(wrt).map((g) => tf.sum(g))));
    await done.data(); // waits for asynchronous backends too
    done.dispose();
  };
  // Warm up until V8 has optimised the kernels' JavaScript: otherwise the first (profiling) runs
  // of small stages are slower than later ones and later slowdowns read below 1.
  const w0 = performance.now();
  for (let n = 0; n < WARMUP_MIN_STEPS || performance.now() - w0 < WARMUP_MIN_MS; n++) await step();

  return {
    async run(microbatches, sendDelay) {
      const computeMs: number[] = [];
      const sendWaitMs: number[] = [];
      const t0 = performance.now();
      for (let m = 0; m < microbatches; m++) {
        const c0 = performance.now();
        await step();
        computeMs.push(performance.now() - c0);
        const s0 = performance.now();
        if (sendDelay) await sleep(sendDelay(1, boundaryBytes));
        sendWaitMs.push(sendDelay ? performance.now() - s0 : 0);
      }
      return { computeMs, sendWaitMs, sends: sendDelay ? microbatches : 0, wallMs: performance.now() - t0 };
    },
    dispose() {
      tf.dispose([x, ...params.flatMap((p) => Object.values(p))]);
    },
  };
}
