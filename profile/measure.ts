/**
 * Measures a model's per-block profile on the current tfjs backend (the caller picks it).
 *
 * For each block, on a random input of [batch, ...inputShape]:
 *  - forward:  `block.apply` in training mode;
 *  - forward + backward: `tf.grads` of the summed output (dy = ones) with respect to the block's
 *    trainable parameters and, when it is float, its input (what a pipeline stage sends back);
 * each run `warmup` times untimed, then `repeats` times timed, taking the median. A run ends when
 * the scalar sum of its results has been read back (`await data()`), which waits for the device.
 * tfjs cannot run a backward pass alone, so backward_ms = median(forward + backward) - median(forward),
 * floored at 0. Parameters come from `initParams` (default: a seeded U(-0.05, 0.05); ones for 'ones'
 * inits) and are disposed after the block; no tensor outlives the call.
 */
import * as tf from '@tensorflow/tfjs';
import type { Block, ModelSpec } from '../runtime/models/block.js';
import { activationBytesPerSample, paramCount } from '../runtime/models/block.js';
import { check } from '../runtime/errors.js';
import { validateProfile, type Profile } from './format.js';

export type InitParams = (block: Block, blockIndex: number) => Record<string, tf.Tensor>;

export interface MeasureOptions {
  /** Samples per minibatch. */
  readonly batch: number;
  /** Untimed runs before timing (compiles shaders, warms caches). */
  readonly warmup: number;
  /** Timed runs; the median is kept. */
  readonly repeats: number;
  /** Backend and device names to record (the caller has already selected the backend). */
  readonly backend: string;
  readonly device: string;
  /** ISO-8601 date to record; default now. */
  readonly date?: string;
  readonly initParams?: InitParams;
  /** Called after each block with the number of blocks done. */
  readonly onProgress?: (done: number, total: number, block: string) => void;
  /** Milliseconds from an arbitrary origin; default `performance.now`. */
  readonly clock?: () => number;
}

/** Default parameters: deterministic per (block, parameter), good enough for timing. */
export function timingParams(block: Block, blockIndex: number): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  block.params.forEach((p, k) => {
    out[p.name] =
      p.init.kind === 'ones' ? tf.ones(p.shape) : p.init.kind === 'zeros' ? tf.zeros(p.shape) : tf.randomUniform(p.shape, -0.05, 0.05, 'float32', 1000 * blockIndex + k);
  });
  return out;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Runs `run` (which returns a scalar) warmup + repeats times; returns the median of the timed runs. */
async function timeRuns(run: () => tf.Scalar, warmup: number, repeats: number, clock: () => number): Promise<number> {
  const times: number[] = [];
  for (let k = 0; k < warmup + repeats; k++) {
    const timed = k >= warmup;
    const t0 = timed ? clock() : 0;
    const s = run();
    await s.data();
    if (timed) times.push(clock() - t0);
    s.dispose();
  }
  return median(times);
}

function randomInput(block: Block, batch: number, seed: number): tf.Tensor {
  const shape = [batch, ...block.inputShape];
  // Integer inputs are token ids: 0 is valid for any vocabulary.
  return block.inputDtype === 'int32' ? tf.zeros(shape, 'int32') : tf.randomUniform(shape, -1, 1, 'float32', seed);
}

async function measureBlock(model: ModelSpec, index: number, opts: MeasureOptions, clock: () => number): Promise<Profile['blocks'][number]> {
  const block = model.blocks[index];
  const params = (opts.initParams ?? timingParams)(block, index);
  const x = randomInput(block, opts.batch, index);
  try {
    const ctx = { training: true };
    const forward = (): tf.Scalar => tf.tidy(() => block.apply(params, x, ctx).y.sum() as tf.Scalar);
    const trainable = block.params.filter((p) => p.trainable).map((p) => p.name);
    const withInput = block.inputDtype === 'float32';
    const differentiable = withInput ? trainable.length + 1 : trainable.length;
    const forwardBackward = (): tf.Scalar =>
      tf.tidy(() => {
        const f = (...xs: tf.Tensor[]): tf.Tensor => {
          const p = { ...params };
          trainable.forEach((name, k) => (p[name] = xs[k]));
          return block.apply(p, withInput ? xs[trainable.length] : x, ctx).y;
        };
        const xs = trainable.map((name) => params[name]);
        if (withInput) xs.push(x);
        const grads = tf.grads(f)(xs);
        return tf.addN(grads.map((g) => g.sum())) as tf.Scalar;
      });
    const forwardMs = await timeRuns(forward, opts.warmup, opts.repeats, clock);
    const bothMs = differentiable > 0 ? await timeRuns(forwardBackward, opts.warmup, opts.repeats, clock) : forwardMs;
    return {
      name: block.name,
      kind: block.kind,
      forward_ms: forwardMs,
      backward_ms: Math.max(0, bothMs - forwardMs),
      activation_bytes: activationBytesPerSample(block.outputShape) * opts.batch,
      param_bytes: 4 * block.params.reduce((s, p) => s + paramCount(p), 0),
      flops: block.flops * opts.batch,
    };
  } finally {
    x.dispose();
    for (const t of Object.values(params)) t.dispose();
  }
}

/** Measures every block of `model` (see module comment) and returns a validated profile. */
export async function measureProfile(model: ModelSpec, opts: MeasureOptions): Promise<Profile> {
  check(Number.isInteger(opts.batch) && opts.batch >= 1, 'E_USAGE', () => `profile: batch must be an integer >= 1, got ${opts.batch}`);
  check(Number.isInteger(opts.warmup) && opts.warmup >= 0, 'E_USAGE', () => `profile: warmup must be an integer >= 0, got ${opts.warmup}`);
  check(Number.isInteger(opts.repeats) && opts.repeats >= 1, 'E_USAGE', () => `profile: repeats must be an integer >= 1, got ${opts.repeats}`);
  const clock = opts.clock ?? (() => performance.now());
  const blocks: Profile['blocks'] = [];
  for (let i = 0; i < model.blocks.length; i++) {
    blocks.push(await measureBlock(model, i, opts, clock));
    opts.onProgress?.(i + 1, model.blocks.length, model.blocks[i].name);
  }
  return validateProfile(
    {
      version: 1,
      model: { name: model.name, args: { ...model.args } },
      batch_size: opts.batch,
      backend: opts.backend,
      device: opts.device,
      date: opts.date ?? new Date().toISOString(),
      source: 'measured',
      blocks,
    },
    `profile of ${model.name}`,
  );
}
