/** Moves StageParams between the compute backend and host memory (for files and the wire). */
import * as tf from '@tensorflow/tfjs';
import type { StageParams } from '../models/params.js';
import type { HostTensor } from './tensor-file.js';

export async function paramsToHost(params: StageParams): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [k, t] of params) {
    const data = (await t.data()) as Float32Array | Int32Array;
    out.set(k, { shape: [...t.shape], dtype: t.dtype === 'int32' ? 'int32' : 'float32', data });
  }
  return out;
}

export function hostToParams(host: ReadonlyMap<string, HostTensor>): StageParams {
  const out: StageParams = new Map();
  for (const [k, h] of host) out.set(k, tf.tensor(h.data, h.shape, h.dtype));
  return out;
}
