/**
 * The tensor as it travels: a dtype, a shape and a typed array, with no tfjs attached. Both sides
 * are assumed little-endian (x86-64, arm64), so the bytes of `data` go on the wire as they are.
 *
 * Invariant of a valid WireTensor: `data` is a Float32Array for 'float32' and an Int32Array for
 * 'int32', every dimension is a non-negative safe integer, and `data.length == prod(shape)`.
 */
import { DynpipeError } from '../errors.js';

export const WIRE_DTYPES = ['float32', 'int32'] as const;
export type WireDtype = (typeof WIRE_DTYPES)[number];

export type WireTensor =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'int32'; shape: number[]; data: Int32Array };

/** Every supported dtype has 4-byte elements. */
export const BYTES_PER_ELEMENT = 4;

export function isWireDtype(value: unknown): value is WireDtype {
  return typeof value === 'string' && (WIRE_DTYPES as readonly string[]).includes(value);
}

/** prod(shape); 1 for a scalar (shape []). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A float32 tensor over `data` (no copy); the shape defaults to `[data.length]`. */
export function float32Tensor(data: Float32Array, shape: number[] = [data.length]): WireTensor {
  return checkedTensor({ dtype: 'float32', shape, data });
}

/** An int32 tensor over `data` (no copy); the shape defaults to `[data.length]`. */
export function int32Tensor(data: Int32Array, shape: number[] = [data.length]): WireTensor {
  return checkedTensor({ dtype: 'int32', shape, data });
}

/** Returns `t` if it satisfies the WireTensor invariant; otherwise throws E_MESSAGE naming the fault. */
export function checkedTensor(t: WireTensor): WireTensor {
  const ok = t.dtype === 'float32' ? t.data instanceof Float32Array : t.dtype === 'int32' && t.data instanceof Int32Array;
  if (!ok) throw new DynpipeError('E_MESSAGE', `tensor of dtype '${String(t.dtype)}' holds a ${t.data?.constructor?.name ?? typeof t.data}`);
  for (const d of t.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new DynpipeError('E_MESSAGE', `tensor shape [${t.shape.join(', ')}] has a dimension that is not a non-negative integer`);
  }
  const n = elementCount(t.shape);
  if (n !== t.data.length) throw new DynpipeError('E_MESSAGE', `tensor shape [${t.shape.join(', ')}] holds ${n} elements, but data has ${t.data.length}`);
  return t;
}
