/**
 * Parameter initialisation and the one global naming scheme for parameters.
 *
 * Key format (the only place it is defined): a stage's parameters live in a `StageParams` map keyed
 * by `${blockIndex}.${paramName}`, where `blockIndex` is the block's position in the whole model
 * (not in the stage) and `paramName` is `ParamSpec.name`. Keys therefore survive re-partitioning:
 * a block keeps its key when it migrates to another stage. Build and parse keys only through
 * `paramKey` / `parseParamKey`.
 *
 * Determinism: the values of parameter j of block i depend only on (seed, i, j) and its `Init`;
 * they are generated in JavaScript (./prng.ts), so every backend and every rank gets the same bits
 * and any block range can be rebuilt without building the rest of the model.
 */
import * as tf from '@tensorflow/tfjs';
import type { Block, Init, ModelSpec } from './block.js';
import { paramCount } from './block.js';
import { DynpipeError, check } from '../errors.js';
import { Prng, streamSeed } from './prng.js';

/** Parameters (and buffers) of a block range, keyed by `paramKey(blockIndex, name)`. */
export type StageParams = Map<string, tf.Tensor>;

export function paramKey(blockIndex: number, name: string): string {
  return `${blockIndex}.${name}`;
}

export function parseParamKey(key: string): { blockIndex: number; name: string } {
  const m = /^(0|[1-9]\d*)\.(.+)$/.exec(key);
  if (!m) throw new DynpipeError('E_MODEL', `malformed parameter key '${key}' (expected '<blockIndex>.<paramName>')`);
  return { blockIndex: Number(m[1]), name: m[2] };
}

/** Fills `size` values for `init` from `prng` (consumes nothing for constant inits). */
export function initValues(init: Init, size: number, prng: Prng): Float32Array {
  const out = new Float32Array(size);
  switch (init.kind) {
    case 'zeros':
      return out;
    case 'ones':
      return out.fill(1);
    case 'normal':
      for (let i = 0; i < size; i++) out[i] = init.std * prng.nextNormal();
      return out;
    case 'he-normal': {
      const std = Math.sqrt(2 / init.fanIn);
      for (let i = 0; i < size; i++) out[i] = std * prng.nextNormal();
      return out;
    }
    case 'uniform':
      for (let i = 0; i < size; i++) out[i] = init.limit * (2 * prng.nextUnit() - 1);
      return out;
    case 'glorot-uniform': {
      const limit = Math.sqrt(6 / (init.fanIn + init.fanOut));
      for (let i = 0; i < size; i++) out[i] = limit * (2 * prng.nextUnit() - 1);
      return out;
    }
  }
}

/** Fresh tensors for every parameter and buffer of `block` (the caller owns them). */
export function initBlockParams(block: Block, blockIndex: number, seed: number): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  block.params.forEach((spec, j) => {
    const values = initValues(spec.init, paramCount(spec), new Prng(streamSeed(seed, blockIndex, j)));
    out[spec.name] = tf.tensor(values, spec.shape, 'float32');
  });
  return out;
}

/** Checks that [a, b) is a non-empty block range of `model`. */
export function checkBlockRange(model: ModelSpec, range: readonly [number, number]): void {
  const [a, b] = range;
  const n = model.blocks.length;
  check(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a < b && b <= n, 'E_MODEL',
    () => `block range [${a}, ${b}) is not a non-empty range of ${model.name}'s ${n} blocks`);
}

/** Parameters and buffers of blocks [a, b), keyed by global `paramKey`. */
export function initStageParams(model: ModelSpec, range: readonly [number, number], seed: number): StageParams {
  checkBlockRange(model, range);
  const params: StageParams = new Map();
  for (let i = range[0]; i < range[1]; i++) {
    for (const [name, t] of Object.entries(initBlockParams(model.blocks[i], i, seed))) params.set(paramKey(i, name), t);
  }
  return params;
}

/** The keys of the trainable parameters of blocks [a, b), in block then declaration order. */
export function trainableKeys(model: ModelSpec, range: readonly [number, number]): string[] {
  const keys: string[] = [];
  for (let i = range[0]; i < range[1]; i++) {
    for (const p of model.blocks[i].params) if (p.trainable) keys.push(paramKey(i, p.name));
  }
  return keys;
}

export function disposeParams(params: StageParams): void {
  for (const t of params.values()) t.dispose();
}
