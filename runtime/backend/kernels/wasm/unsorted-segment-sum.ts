/**
 * UnsortedSegmentSum for wasm (tfjs-backend-wasm has none). It is the gradient of Gather, so every
 * embedding table's gradient goes through it: out[s] = sum of x[i] over i with segmentIds[i] == s.
 *
 * Done as one wasm ScatterNd, which adds the updates of repeated indices. Ids outside
 * [0, numSegments) contribute nothing (as on cpu and in TensorFlow): when there are any, they are
 * sent to one spare row past the end, which is then cut off.
 */
import {
  Reshape,
  ScatterNd,
  Slice,
  UnsortedSegmentSum,
  util,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type ReshapeAttrs,
  type ScatterNdAttrs,
  type SliceAttrs,
  type UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';
import { kernelAttrs, requireInputs, withKernelScope } from '../kernel-scope.js';

/** The ids with every out-of-range one replaced by `numSegments`, or null when all are in range. */
export function redirectOutOfRange(ids: Int32Array, numSegments: number): Int32Array | null {
  if (ids.every((id) => id >= 0 && id < numSegments)) return null;
  return ids.map((id) => (id >= 0 && id < numSegments ? id : numSegments));
}

const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = requireInputs(inputs, UnsortedSegmentSum, ['x', 'segmentIds'] as const);
  const { numSegments } = kernelAttrs<UnsortedSegmentSumAttrs>(attrs, UnsortedSegmentSum);
  if (segmentIds.dtype !== 'int32') throw new Error(`${UnsortedSegmentSum}: segmentIds must be int32, got ${segmentIds.dtype}`);
  const n = util.sizeFromShape(segmentIds.shape);
  const row = x.shape.slice(segmentIds.shape.length);
  const ids = (backend as KernelBackend).readSync(segmentIds.dataId) as Int32Array;
  const redirected = redirectOutOfRange(ids, numSegments);

  return withKernelScope('wasm', backend, (s) => {
    const rows = redirected === null ? numSegments : numSegments + 1;
    const indices = redirected === null ? s.run<ReshapeAttrs>(Reshape, { x: segmentIds }, { shape: [n, 1] }) : s.upload(redirected, [n, 1]);
    const updates = s.run<ReshapeAttrs>(Reshape, { x }, { shape: [n, ...row] });
    const summed = s.run<ScatterNdAttrs>(ScatterNd, { indices, updates }, { shape: [rows, ...row] });
    if (redirected === null) return summed;
    return s.run<SliceAttrs>(Slice, { x: summed }, { begin: [0, ...row.map(() => 0)], size: [numSegments, ...row] });
  });
};

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum,
};
