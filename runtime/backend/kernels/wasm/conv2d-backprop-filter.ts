/**
 * Conv2DBackpropFilter for wasm (tfjs-backend-wasm has none), as one forward Conv2D over
 * transposed tensors so the work runs in XNNPACK instead of a JavaScript loop.
 *
 * With x padded by (top, left) and zero outside, the filter gradient is
 *   dW[kh, kw, ci, co] = sum over (b, oh, ow) of x[b, oh*sh + kh, ow*sw + kw, ci] * dy[b, oh, ow, co].
 * Read x' = transpose(x) as an NHWC image [ci, h, w, b] (ci is its batch, b its channels) and
 * dy' = transpose(dy) as an HWIO filter [oh, ow, b, co]. A Conv2D of x' with dy' at stride 1 and
 * dilation (sh, sw) computes exactly dW laid out as [ci, kh, kw, co]; one last transpose gives
 * HWIO. The pads are the forward pass's top/left pads; bottom/right are chosen so the output is
 * kh x kw, cropping x rows/columns the forward pass never read (a negative pad).
 *
 * A 1x1 filter at stride 1 without padding is a plain matrix product, dW = x^T dy, done as one
 * BatchMatMul (fast on wasm once our batch-mat-mul.ts replaces the built-in).
 */
import {
  BatchMatMul,
  Conv2D,
  Conv2DBackpropFilter,
  Reshape,
  Slice,
  Transpose,
  backend_util,
  type BatchMatMulAttrs,
  type Conv2DAttrs,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type ReshapeAttrs,
  type SliceAttrs,
  type TransposeAttrs,
} from '@tensorflow/tfjs-core';
import { kernelAttrs, requireInputs, withKernelScope } from '../kernel-scope.js';

type Shape4 = [number, number, number, number];

const conv2dBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = requireInputs(inputs, Conv2DBackpropFilter, ['x', 'dy'] as const);
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = kernelAttrs<Conv2DBackpropFilterAttrs>(attrs, Conv2DBackpropFilter);
  if (dataFormat === 'NCHW') throw new Error(`${Conv2DBackpropFilter} on wasm supports NHWC only`);
  const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode);
  const [batch, inHeight, inWidth, inChannels] = x.shape as Shape4;
  const { filterHeight: kh, filterWidth: kw, outHeight, outWidth, strideHeight: sh, strideWidth: sw, outChannels } = info;
  const { top, left } = info.padInfo;

  return withKernelScope('wasm', backend, (s) => {
    if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && top === 0 && left === 0 && outHeight === inHeight && outWidth === inWidth) {
      const rows = batch * inHeight * inWidth;
      const x2 = s.run<ReshapeAttrs>(Reshape, { x }, { shape: [rows, inChannels] });
      const dy2 = s.run<ReshapeAttrs>(Reshape, { x: dy }, { shape: [rows, outChannels] });
      const dw = s.run<BatchMatMulAttrs>(BatchMatMul, { a: x2, b: dy2 }, { transposeA: true, transposeB: false });
      return s.run<ReshapeAttrs>(Reshape, { x: dw }, { shape: [1, 1, inChannels, outChannels] });
    }
    // Rows of padded x the gradient reads: (kh - 1) + (outHeight - 1) * sh + 1; likewise columns.
    const bottom = kh + (outHeight - 1) * sh - top - inHeight;
    const right = kw + (outWidth - 1) * sw - left - inWidth;
    const usedX =
      bottom < 0 || right < 0
        ? s.run<SliceAttrs>(Slice, { x }, { begin: [0, 0, 0, 0], size: [batch, inHeight + Math.min(bottom, 0), inWidth + Math.min(right, 0), inChannels] })
        : x;
    const xT = s.run<TransposeAttrs>(Transpose, { x: usedX }, { perm: [3, 1, 2, 0] });
    const dyT = s.run<TransposeAttrs>(Transpose, { x: dy }, { perm: [1, 2, 0, 3] });
    const convAttrs: Conv2DAttrs = {
      strides: 1,
      dilations: [sh, sw],
      pad: [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]],
      dataFormat: 'NHWC',
    };
    const dwT = s.run(Conv2D, { x: xT, filter: dyT }, convAttrs);
    return s.run<TransposeAttrs>(Transpose, { x: dwT }, { perm: [1, 2, 0, 3] });
  });
};

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter,
};
