/**
 * Conv2DBackpropFilter for webgpu as a split-K implicit GEMM. The built-in gives each output
 * weight one invocation that loops over the whole batch x height x width: little parallelism
 * and no reuse, 15-30x slower than the forward conv of the same shape on an H100 (issue #14).
 *
 *   dW[kh, kw, ci, co] = sum over (b, oh, ow) of x[b, oh*sh - top + kh, ow*sw - left + kw, ci] * dy[b, oh, ow, co]
 *
 * is the GEMM C[m, n] = sum over k of A(m, k) B(k, n) with m = (kh, kw, ci), n = co,
 * k = (b, oh, ow): A reads x (zero in the padding), B is dy as a [b*oh*ow, co] matrix, and C laid
 * out [m, n] is dW in HWIO. The long k range is split across workgroups whose partial sums a
 * second pass adds (gemm-program.ts). Loads of A run along ci and of B along co, the contiguous
 * axes, as vec4 when the channel count is a multiple of 4.
 */
import { Conv2DBackpropFilter, backend_util, type Conv2DBackpropFilterAttrs, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { runBuiltin } from '../builtin.js';
import { kernelAttrs, requireInputs } from '../kernel-scope.js';
import { convGeometry, geometryKey, type ConvGeometry } from './conv-geometry.js';
import { gemmFits, runGemm } from './gemm-program.js';
import { readAt, vectorWidth } from './operand-reads.js';
import type { GemmSpec } from './gemm-shader.js';
import { chooseTiling } from './gemm-tiling.js';
import { asWebGpuRunner } from './program.js';

type Shape4 = [number, number, number, number];

/** The GEMM of dW for a convolution of geometry `g` (dilation 1); A is x, B is dy. */
export function filterGradGemm(g: ConvGeometry): GemmSpec {
  const aWidth = vectorWidth(g.inC);
  const bWidth = vectorWidth(g.outC);
  const ohw = g.outH * g.outW;
  return {
    shape: { m: g.kH * g.kW * g.inC, n: g.outC, k: g.batch * ohw, batch: 1 },
    a: {
      along: 'outer',
      width: aWidth,
      info: `
    let kh = mn / ${g.kW * g.inC};
    let rest = mn - kh * ${g.kW * g.inC};
    let kw = rest / ${g.inC};
    return vec4<i32>(kh - ${g.top}, kw - ${g.left}, rest - kw * ${g.inC}, 0);`,
      load: `
    let b = k / ${ohw};
    let rest = k - b * ${ohw};
    let oh = rest / ${g.outW};
    let ih = oh * ${g.strideH} + info.x;
    let iw = (rest - oh * ${g.outW}) * ${g.strideW} + info.y;
    if (ih >= 0 && ih < ${g.inH} && iw >= 0 && iw < ${g.inW}) {
      return ${readAt('A', `((b * ${g.inH} + ih) * ${g.inW} + iw) * ${g.inC} + info.z`, aWidth)};
    }
    return ${aWidth === 4 ? 'vec4<f32>' : 'f32'}(0.0);`,
      key: `dwx${aWidth}_${geometryKey(g)}`,
    },
    b: {
      along: 'outer',
      width: bWidth,
      info: 'return vec4<i32>(0);',
      load: `return ${readAt('B', `k * ${g.outC} + mn`, bWidth)};`,
      key: `dwdy${bWidth}`,
    },
  };
}

const conv2dBackpropFilter: KernelFunc = (args) => {
  const { x, dy } = requireInputs(args.inputs, Conv2DBackpropFilter, ['x', 'dy'] as const);
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = kernelAttrs<Conv2DBackpropFilterAttrs>(args.attrs, Conv2DBackpropFilter);
  if (dataFormat === 'NCHW' || x.dtype !== 'float32' || dy.dtype !== 'float32') return runBuiltin(Conv2DBackpropFilter, 'webgpu', args);
  const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode);
  const spec = filterGradGemm(convGeometry(info));
  const tiling = chooseTiling(spec.shape);
  if (!gemmFits(spec, tiling)) return runBuiltin(Conv2DBackpropFilter, 'webgpu', args);
  return runGemm(asWebGpuRunner(args.backend, Conv2DBackpropFilter), spec, [x, dy], [...filterShape], tiling);
};

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'webgpu',
  kernelFunc: conv2dBackpropFilter,
};
