/**
 * BatchMatMul for wasm, replacing the built-in one. tfjs-backend-wasm 4.22 sends a product to
 * XNNPACK only when neither operand is transposed and both have batch size 1; every other case
 * (all of backprop: dW = x^T dy, dx = dy W^T; all of attention) runs a scalar C++ loop that is
 * 20-40x slower. Here every case is reduced to XNNPACK-backed kernels:
 *
 *   1. transposes become explicit Transpose kernels, so only a @ b with a [n, m, k], b [n, k, p] remains;
 *   2. batch dims that broadcast other than by 1 are tiled to the full batch shape;
 *   3. b shared by all batches (batch 1): one product of a reshaped to [n*m, k];
 *      a shared by all batches: one product of a with b laid out as [k, n*p];
 *      n distinct pairs: n products of [m, k] slices, concatenated, or, for tiny matrices where
 *      per-call overhead dominates, a broadcast multiply and a sum over k.
 *
 * Each product is one call of the wasm `_FusedMatMul` kernel on rank-3 batch-1 operands with no
 * transpose, which is the XNNPACK path. Only float32 is supported, as in the built-in kernel.
 */
import {
  BatchMatMul,
  Concat,
  Multiply,
  Reshape,
  Slice,
  Sum,
  Tile,
  Transpose,
  _FusedMatMul,
  broadcast_util,
  util,
  type BatchMatMulAttrs,
  type ConcatAttrs,
  type KernelConfig,
  type KernelFunc,
  type ReshapeAttrs,
  type SliceAttrs,
  type SumAttrs,
  type TensorInfo,
  type TileAttrs,
  type TransposeAttrs,
  type _FusedMatMulAttrs,
} from '@tensorflow/tfjs-core';
import { KernelScope, kernelAttrs, requireInputs, withKernelScope } from '../kernel-scope.js';

/** Below this many multiply-adds per batch entry, a broadcast multiply + sum beats a call per entry. */
const SMALL_PRODUCT_MACS = 4096;

/** a [m, k] @ b [k, p] -> [m, p] on XNNPACK. */
function product2d(s: KernelScope, a: TensorInfo, b: TensorInfo, m: number, k: number, p: number): TensorInfo {
  const a3 = s.run<ReshapeAttrs>(Reshape, { x: a }, { shape: [1, m, k] });
  const b3 = s.run<ReshapeAttrs>(Reshape, { x: b }, { shape: [1, k, p] });
  const attrs: _FusedMatMulAttrs = { transposeA: false, transposeB: false, activation: 'linear' };
  return s.run(_FusedMatMul, { a: a3, b: b3 }, attrs);
}

/** x [n, r, c] -> [n, c, r] when `transpose`, else x reshaped to [n, r, c]. */
function asRowMajor(s: KernelScope, x: TensorInfo, n: number, r: number, c: number, transpose: boolean): TensorInfo {
  const x3 = s.run<ReshapeAttrs>(Reshape, { x }, { shape: [n, r, c] });
  return transpose ? s.run<TransposeAttrs>(Transpose, { x: x3 }, { perm: [0, 2, 1] }) : x3;
}

/** x with batch dims `outer` tiled to `full` (same rank after left-padding with 1s), as [size(full), r, c]. */
function tileBatch(s: KernelScope, x: TensorInfo, outer: number[], full: number[], r: number, c: number): TensorInfo {
  const padded = [...Array<number>(full.length - outer.length).fill(1), ...outer];
  if (padded.every((d, i) => d === full[i])) return s.run<ReshapeAttrs>(Reshape, { x }, { shape: [util.sizeFromShape(full), r, c] });
  const xr = s.run<ReshapeAttrs>(Reshape, { x }, { shape: [...padded, r, c] });
  const tiled = s.run<TileAttrs>(Tile, { x: xr }, { reps: [...padded.map((d, i) => (d === full[i] ? 1 : full[i])), 1, 1] });
  return s.run<ReshapeAttrs>(Reshape, { x: tiled }, { shape: [util.sizeFromShape(full), r, c] });
}

/** n distinct products a[i] [m, k] @ b[i] [k, p] -> [n, m, p]. */
function batchedProducts(s: KernelScope, a: TensorInfo, b: TensorInfo, n: number, m: number, k: number, p: number): TensorInfo {
  if (m * k * p < SMALL_PRODUCT_MACS) {
    const a4 = s.run<ReshapeAttrs>(Reshape, { x: a }, { shape: [n, m, k, 1] });
    const b4 = s.run<ReshapeAttrs>(Reshape, { x: b }, { shape: [n, 1, k, p] });
    const terms = s.run(Multiply, { a: a4, b: b4 }, {});
    return s.run<SumAttrs>(Sum, { x: terms }, { axis: 2, keepDims: false });
  }
  const parts: TensorInfo[] = [];
  for (let i = 0; i < n; i++) {
    const ai = s.run<SliceAttrs>(Slice, { x: a }, { begin: [i, 0, 0], size: [1, m, k] });
    const bi = s.run<SliceAttrs>(Slice, { x: b }, { begin: [i, 0, 0], size: [1, k, p] });
    parts.push(product2d(s, ai, bi, m, k, p));
  }
  return s.runOnList<ConcatAttrs>(Concat, parts, { axis: 0 });
}

const batchMatMul: KernelFunc = ({ inputs, backend, attrs }) => {
  const { a, b } = requireInputs(inputs, BatchMatMul, ['a', 'b'] as const);
  const { transposeA, transposeB } = kernelAttrs<BatchMatMulAttrs>(attrs, BatchMatMul);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error(`${BatchMatMul} on wasm supports float32 only, got ${a.dtype} x ${b.dtype}`);
  const [ra, ca] = a.shape.slice(-2);
  const [rb, cb] = b.shape.slice(-2);
  const [m, k] = transposeA ? [ca, ra] : [ra, ca];
  const [kb, p] = transposeB ? [cb, rb] : [rb, cb];
  if (k !== kb) throw new Error(`${BatchMatMul}: inner dimensions differ: a ${JSON.stringify(a.shape)} transposeA=${transposeA}, b ${JSON.stringify(b.shape)} transposeB=${transposeB}`);
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const outer = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const outShape = [...outer, m, p];
  const nA = util.sizeFromShape(outerA);
  const nB = util.sizeFromShape(outerB);

  return withKernelScope('wasm', backend, (s) => {
    let a3 = asRowMajor(s, a, nA, ra, ca, transposeA); // [nA, m, k]
    let b3 = asRowMajor(s, b, nB, rb, cb, transposeB); // [nB, k, p]
    let [na, nb] = [nA, nB];
    if (na !== nb && na !== 1 && nb !== 1) {
      a3 = tileBatch(s, a3, outerA, outer, m, k);
      b3 = tileBatch(s, b3, outerB, outer, k, p);
      na = nb = util.sizeFromShape(outer);
    }
    let out: TensorInfo;
    if (nb === 1) {
      out = product2d(s, a3, b3, na * m, k, p);
    } else if (na === 1) {
      const bWide = s.run<TransposeAttrs>(Transpose, { x: b3 }, { perm: [1, 0, 2] }); // [k, nb, p]
      const wide = product2d(s, a3, bWide, m, k, nb * p); // [1, m, nb * p]
      const split = s.run<ReshapeAttrs>(Reshape, { x: wide }, { shape: [m, nb, p] });
      out = s.run<TransposeAttrs>(Transpose, { x: split }, { perm: [1, 0, 2] });
    } else {
      out = batchedProducts(s, a3, b3, na, m, k, p);
    }
    return s.run<ReshapeAttrs>(Reshape, { x: out }, { shape: outShape });
  });
};

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul,
};
