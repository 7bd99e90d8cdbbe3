/**
 * Conv2DBackpropInput for wasm, replacing the built-in, a direct loop 8-13x slower than the
 * forward Conv2D on VGG shapes (bench/kernels.ts). Here it is one forward Conv2D in XNNPACK.
 *
 * The input gradient is the "full" correlation of dy with the filter turned 180 degrees and its
 * channel axes swapped (see the Gather below for how it is turned):
 *   dx[b, i, j, ci] = sum over (kh, kw, co) of dyU[b, i + top - kh, j + left - kw, co] * W[kh, kw, ci, co],
 * where dyU is dy with (stride - 1) zeros after each row and column (dyU[u] = dy[u / s] when s
 * divides u). With W' = reverse(W, rows and columns) transposed to [kh, kw, co, ci], that is a
 * stride-1 Conv2D of dyU with W' under top pad kh - 1 - top, bottom pad sized so the output has
 * the input's height (likewise for columns). A pad below zero crops dyU instead: those rows only
 * reach x rows outside the input. A stride-s layer costs s^2 times its forward multiply-adds, as
 * the zeros are multiplied too; the common stride-1 layers cost the same as forward.
 */
import {
  Conv2D,
  Conv2DBackpropInput,
  GatherV2,
  PadV2,
  Reshape,
  Slice,
  Transpose,
  backend_util,
  type Conv2DAttrs,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type GatherV2Attrs,
  type PadV2Attrs,
  type ReshapeAttrs,
  type SliceAttrs,
  type TransposeAttrs,
} from '@tensorflow/tfjs-core';
import { kernelAttrs, requireInputs, withKernelScope } from '../kernel-scope.js';

type Shape4 = [number, number, number, number];

/** How to lay dyU (of `length` rows) over the padded axis: rows to crop at each end, then pads. */
export function fullCorrelationPads(inSize: number, filterSize: number, padBefore: number, length: number): { cropBefore: number; cropAfter: number; before: number; after: number } {
  const before = filterSize - 1 - padBefore;
  const after = inSize + filterSize - 1 - before - length;
  return { cropBefore: Math.max(-before, 0), cropAfter: Math.max(-after, 0), before: Math.max(before, 0), after: Math.max(after, 0) };
}

const conv2dBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = requireInputs(inputs, Conv2DBackpropInput, ['dy', 'filter'] as const);
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = kernelAttrs<Conv2DBackpropInputAttrs>(attrs, Conv2DBackpropInput);
  if (dataFormat === 'NCHW') throw new Error(`${Conv2DBackpropInput} on wasm supports NHWC only`);
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode);
  const [batch, inHeight, inWidth] = inputShape;
  const { filterHeight: kh, filterWidth: kw, outHeight, outWidth, strideHeight: sh, strideWidth: sw, outChannels } = info;

  return withKernelScope('wasm', backend, (s) => {
    let dyU = dy;
    if (sh > 1 || sw > 1) {
      // Zeros after each row and column: [b*oh, 1, ow, 1, co] padded on the unit axes.
      const split = s.run<ReshapeAttrs>(Reshape, { x: dy }, { shape: [batch * outHeight, 1, outWidth, 1, outChannels] });
      const spread = s.run<PadV2Attrs>(PadV2, { x: split }, { paddings: [[0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
      dyU = s.run<ReshapeAttrs>(Reshape, { x: spread }, { shape: [batch, outHeight * sh, outWidth * sw, outChannels] });
    }
    const rows = fullCorrelationPads(inHeight, kh, info.padInfo.top, outHeight * sh);
    const cols = fullCorrelationPads(inWidth, kw, info.padInfo.left, outWidth * sw);
    if (rows.cropBefore + rows.cropAfter + cols.cropBefore + cols.cropAfter > 0) {
      dyU = s.run<SliceAttrs>(Slice, { x: dyU }, {
        begin: [0, rows.cropBefore, cols.cropBefore, 0],
        size: [batch, outHeight * sh - rows.cropBefore - rows.cropAfter, outWidth * sw - cols.cropBefore - cols.cropAfter, outChannels],
      });
    }
    // W' = W turned 180 degrees with channel axes swapped. Turning reverses the flattened (kh, kw)
    // axis, done as a Gather of whole [co, ci] planes: wasm's Reverse is a per-element loop, 10x slower.
    const taps = kh * kw;
    const planes = s.run<ReshapeAttrs>(Reshape, { x: filter }, { shape: [taps, info.inChannels, outChannels] });
    const swappedPlanes = s.run<TransposeAttrs>(Transpose, { x: planes }, { perm: [0, 2, 1] });
    const reversedTaps = s.upload(Int32Array.from({ length: taps }, (_, i) => taps - 1 - i), [taps]);
    const turned = s.run<GatherV2Attrs>(GatherV2, { x: swappedPlanes, indices: reversedTaps }, { axis: 0, batchDims: 0 });
    const swapped = s.run<ReshapeAttrs>(Reshape, { x: turned }, { shape: [kh, kw, outChannels, info.inChannels] });
    const convAttrs: Conv2DAttrs = {
      strides: 1,
      dilations: 1,
      pad: [[0, 0], [rows.before, rows.after], [cols.before, cols.after], [0, 0]],
      dataFormat: 'NHWC',
    };
    return s.run(Conv2D, { x: dyU, filter: swapped }, convAttrs);
  });
};

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput,
};
