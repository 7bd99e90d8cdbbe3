/**
 * A stage's training state as named host tensors: what a migration sends and a checkpoint file
 * holds. Entry names, defined only here:
 *
 *   p/<paramKey>          the live value of a parameter or buffer (paramKey as in models/params.ts)
 *   o/<paramKey>/<slot>   optimizer slot `slot` of that parameter (momentum: v; adam: m, v, t)
 *
 * Entries are listed in execution order: block ascending, parameters in declaration order, each
 * parameter followed by its optimizer slots. A parameter has either every slot of the optimizer or
 * none (no step has touched it yet); buffers never have slots.
 */
import * as tf from '@tensorflow/tfjs';
import { DynpipeError, type ErrorCode } from '../errors.js';
import type { ModelSpec } from '../models/block.js';
import { paramKey, type StageParams } from '../models/params.js';
import type { Optimizer, OptimizerKind, OptimizerState } from '../train/optimizer.js';
import type { HostTensor } from './tensor-file.js';

export type StateEntries = Map<string, HostTensor>;

export function paramEntry(key: string): string {
  return `p/${key}`;
}

export function optimizerEntry(key: string, slot: number): string {
  return `o/${key}/${slot}`;
}

/** The block an entry belongs to; undefined for a name that is not an entry. */
export function entryBlock(name: string): number | undefined {
  const m = /^[po]\/(0|[1-9]\d*)\./.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function optimizerSlotCount(kind: OptimizerKind): number {
  return kind === 'sgd' ? 0 : kind === 'momentum' ? 1 : 3;
}

async function toHost(t: tf.Tensor): Promise<HostTensor> {
  const data = (await t.data()) as Float32Array | Int32Array;
  return { shape: [...t.shape], dtype: t.dtype === 'int32' ? 'int32' : 'float32', data };
}

/** Host copies of the params and optimizer slots of `blocks`, in execution order. */
export async function exportBlocks(model: ModelSpec, blocks: readonly number[], params: StageParams, optimizer: Optimizer): Promise<StateEntries> {
  const out: StateEntries = new Map();
  for (const b of [...blocks].sort((x, y) => x - y)) {
    for (const spec of model.blocks[b].params) {
      const key = paramKey(b, spec.name);
      const t = params.get(key);
      if (!t) throw new DynpipeError('E_MIGRATION', `cannot export block ${b}: parameter '${key}' is not held here`);
      out.set(paramEntry(key), await toHost(t));
      const slots = optimizer.exportState([key]).get(key) ?? [];
      for (const [i, s] of slots.entries()) out.set(optimizerEntry(key, i), await toHost(s));
      for (const s of slots) s.dispose();
    }
  }
  return out;
}

/** Total bytes of the entries' data. */
export function entryBytes(entries: ReadonlyMap<string, HostTensor>): number {
  let n = 0;
  for (const t of entries.values()) n += t.data.byteLength;
  return n;
}

/**
 * Tensors for the params and optimizer state of `blocks` from `entries`, after checking that every
 * parameter of every block is there with its declared shape, that slots come all-or-none, and that
 * nothing else is. Errors are `code`, prefixed by `source` (e.g. `migration from rank 2`).
 */
export function importBlocks(
  model: ModelSpec,
  blocks: readonly number[],
  entries: ReadonlyMap<string, HostTensor>,
  optimizerKind: OptimizerKind,
  source: string,
  code: ErrorCode,
): { params: StageParams; optimizer: OptimizerState } {
  const bad = (what: string) => new DynpipeError(code, `${source}: ${what}`);
  const slots = optimizerSlotCount(optimizerKind);
  const expected = new Set<string>();
  const plan: Array<{ key: string; shape: number[]; slotNames: string[] }> = [];
  for (const b of blocks) {
    for (const spec of model.blocks[b].params) {
      const key = paramKey(b, spec.name);
      const slotNames = spec.trainable ? Array.from({ length: slots }, (_, i) => optimizerEntry(key, i)) : [];
      expected.add(paramEntry(key));
      for (const n of slotNames) expected.add(n);
      plan.push({ key, shape: spec.shape, slotNames });
    }
  }
  for (const name of entries.keys()) if (!expected.has(name)) throw bad(`unexpected tensor '${name.slice(0, 80)}' (not state of blocks [${blocks.join(', ')}])`);
  for (const { key, shape, slotNames } of plan) {
    const p = entries.get(paramEntry(key));
    if (!p) throw bad(`parameter '${key}' is missing`);
    if (p.shape.join(',') !== shape.join(',') || p.dtype !== 'float32') throw bad(`parameter '${key}' is ${p.dtype}[${p.shape}], the model declares float32[${shape}]`);
    const present = slotNames.filter((n) => entries.has(n)).length;
    if (present !== 0 && present !== slotNames.length) throw bad(`parameter '${key}' has ${present} of the ${slotNames.length} ${optimizerKind} slots`);
  }
  const params: StageParams = new Map();
  const optimizer: OptimizerState = new Map();
  for (const { key, slotNames } of plan) {
    const p = entries.get(paramEntry(key))!;
    params.set(key, tf.tensor(p.data, p.shape, p.dtype));
    if (slotNames.length > 0 && entries.has(slotNames[0])) {
      optimizer.set(key, slotNames.map((n) => {
        const s = entries.get(n)!;
        return tf.tensor(s.data, s.shape, s.dtype);
      }));
    }
  }
  return { params, optimizer };
}
