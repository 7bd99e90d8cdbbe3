/**
 * Conv2D (NHWC) for webgpu as an implicit GEMM with 128x128 tiles, register prefetch and, for
 * small outputs, split-K (gemm-shader.ts). The built-in reached 4.1 TFLOP/s on an H100 (issue #14).
 *
 *   y[b, oh, ow, co] = sum over (kh, kw, ci) of x[b, oh*sh - top + kh*dh, ow*sw - left + kw*dw, ci] * w[kh, kw, ci, co]
 *
 * is C[m, n] = sum over k of A(m, k) B(k, n) with m = (b, oh, ow), n = co, k = (kh, kw, ci):
 * A reads x (zero in the padding), B is w as a [kh*kw*ci, co] matrix, and C laid out [m, n] is y.
 * Loads of A run along ci, of B along co (the contiguous axes), as vec4 when the count is a
 * multiple of 4.
 */
import { Conv2D, backend_util, type Conv2DAttrs, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { runBuiltin } from '../builtin.js';
import { kernelAttrs, requireInputs } from '../kernel-scope.js';
import { convGeometry, geometryKey, type ConvGeometry } from './conv-geometry.js';
import { gemmFits, runGemm } from './gemm-program.js';
import { readAt, vectorWidth } from './operand-reads.js';
import type { GemmSpec } from './gemm-shader.js';
import { chooseTiling } from './gemm-tiling.js';
import { asWebGpuRunner } from './program.js';

type Shape4 = [number, number, number, number];

/** The GEMM of the forward convolution of geometry `g`; A is x, B is the filter. */
export function conv2dGemm(g: ConvGeometry): GemmSpec {
  const aWidth = vectorWidth(g.inC);
  const bWidth = vectorWidth(g.outC);
  const ohw = g.outH * g.outW;
  const kwc = g.kW * g.inC;
  return {
    shape: { m: g.batch * ohw, n: g.outC, k: g.kH * kwc, batch: 1 },
    a: {
      along: 'k',
      width: aWidth,
      info: `
    let b = mn / ${ohw};
    let rest = mn - b * ${ohw};
    let oh = rest / ${g.outW};
    let ow = rest - oh * ${g.outW};
    return vec4<i32>(b * ${g.inH * g.inW * g.inC}, oh * ${g.strideH} - ${g.top}, ow * ${g.strideW} - ${g.left}, 0);`,
      load: `
    let kh = k / ${kwc};
    let rest = k - kh * ${kwc};
    let kw = rest / ${g.inC};
    let ih = info.y + kh * ${g.dilationH};
    let iw = info.z + kw * ${g.dilationW};
    if (ih >= 0 && ih < ${g.inH} && iw >= 0 && iw < ${g.inW}) {
      return ${readAt('A', `info.x + (ih * ${g.inW} + iw) * ${g.inC} + rest - kw * ${g.inC}`, aWidth)};
    }
    return ${aWidth === 4 ? 'vec4<f32>' : 'f32'}(0.0);`,
      key: `yx${aWidth}_${geometryKey(g)}`,
    },
    b: {
      along: 'outer',
      width: bWidth,
      info: 'return vec4<i32>(0);',
      load: `return ${readAt('B', `k * ${g.outC} + mn`, bWidth)};`,
      key: `yw${bWidth}`,
    },
  };
}

const conv2d: KernelFunc = (args) => {
  const { x, filter } = requireInputs(args.inputs, Conv2D, ['x', 'filter'] as const);
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = kernelAttrs<Conv2DAttrs>(args.attrs, Conv2D);
  if (dataFormat === 'NCHW' || x.dtype !== 'float32' || filter.dtype !== 'float32') return runBuiltin(Conv2D, 'webgpu', args);
  const info = backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode);
  const spec = conv2dGemm(convGeometry(info));
  const tiling = chooseTiling(spec.shape);
  if (!gemmFits(spec, tiling)) return runBuiltin(Conv2D, 'webgpu', args);
  return runGemm(asWebGpuRunner(args.backend, Conv2D), spec, [x, filter], [...info.outShape], tiling);
};

export const conv2dConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: 'webgpu',
  kernelFunc: conv2d,
};
