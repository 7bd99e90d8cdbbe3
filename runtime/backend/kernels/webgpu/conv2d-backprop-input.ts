/**
 * Conv2DBackpropInput (NHWC) for webgpu as an implicit GEMM (gemm-shader.ts).
 *
 *   dx[b, ih, iw, ci] = sum over (kh, kw, co) of dy[b, oh, ow, co] * w[kh, kw, ci, co]
 *     where ih = oh*sh - top + kh and iw = ow*sw - left + kw,
 *
 * is C[m, n] = sum over k of A(m, k) B(k, n) with m = (b, ih, iw), n = ci, k = (kh, kw, co):
 * A(m, k) is dy[b, (ih + top - kh) / sh, (iw + left - kw) / sw, co] when both divisions are exact
 * and land inside dy, else zero; B is w transposed to [kh, kw, co, ci] (one small Transpose, so
 * that B's loads run along ci) as a [kh*kw*co, ci] matrix; C laid out [m, n] is dx. At stride s,
 * all but 1/s^2 of the k values of a row are zero (the built-in does the same work).
 */
import {
  Conv2DBackpropInput,
  Transpose,
  backend_util,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TransposeAttrs,
} from '@tensorflow/tfjs-core';
import { runBuiltin } from '../builtin.js';
import { kernelAttrs, requireInputs, withKernelScope } from '../kernel-scope.js';
import { convGeometry, geometryKey, type ConvGeometry } from './conv-geometry.js';
import { gemmFits, runGemm } from './gemm-program.js';
import { readAt, vectorWidth } from './operand-reads.js';
import type { GemmSpec } from './gemm-shader.js';
import { chooseTiling } from './gemm-tiling.js';
import { asWebGpuRunner } from './program.js';

type Shape4 = [number, number, number, number];

/** The GEMM of dx for a convolution of geometry `g` (dilation 1); A is dy, B is w as [kh, kw, co, ci]. */
export function inputGradGemm(g: ConvGeometry): GemmSpec {
  const aWidth = vectorWidth(g.outC);
  const bWidth = vectorWidth(g.inC);
  const hw = g.inH * g.inW;
  const kwc = g.kW * g.outC;
  const divisible = (t: string, s: number) => (s === 1 ? '' : ` && ${t} % ${s} == 0`);
  return {
    shape: { m: g.batch * hw, n: g.inC, k: g.kH * kwc, batch: 1 },
    a: {
      along: 'k',
      width: aWidth,
      info: `
    let b = mn / ${hw};
    let rest = mn - b * ${hw};
    let ih = rest / ${g.inW};
    let iw = rest - ih * ${g.inW};
    return vec4<i32>(b * ${g.outH * g.outW * g.outC}, ih + ${g.top}, iw + ${g.left}, 0);`,
      load: `
    let kh = k / ${kwc};
    let rest = k - kh * ${kwc};
    let kw = rest / ${g.outC};
    let th = info.y - kh;
    let tw = info.z - kw;
    if (th >= 0 && tw >= 0${divisible('th', g.strideH)}${divisible('tw', g.strideW)}) {
      let oh = th / ${g.strideH};
      let ow = tw / ${g.strideW};
      if (oh < ${g.outH} && ow < ${g.outW}) {
        return ${readAt('A', `info.x + (oh * ${g.outW} + ow) * ${g.outC} + rest - kw * ${g.outC}`, aWidth)};
      }
    }
    return ${aWidth === 4 ? 'vec4<f32>' : 'f32'}(0.0);`,
      key: `dxdy${aWidth}_${geometryKey(g)}`,
    },
    b: {
      along: 'outer',
      width: bWidth,
      info: 'return vec4<i32>(0);',
      load: `return ${readAt('B', `k * ${g.inC} + mn`, bWidth)};`,
      key: `dxw${bWidth}`,
    },
  };
}

const conv2dBackpropInput: KernelFunc = (args) => {
  const { dy, filter } = requireInputs(args.inputs, Conv2DBackpropInput, ['dy', 'filter'] as const);
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = kernelAttrs<Conv2DBackpropInputAttrs>(args.attrs, Conv2DBackpropInput);
  if (dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return runBuiltin(Conv2DBackpropInput, 'webgpu', args);
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode);
  const spec = inputGradGemm(convGeometry(info));
  const tiling = chooseTiling(spec.shape);
  if (!gemmFits(spec, tiling)) return runBuiltin(Conv2DBackpropInput, 'webgpu', args);
  const runner = asWebGpuRunner(args.backend, Conv2DBackpropInput);
  return withKernelScope('webgpu', runner, (s) => {
    const turned = s.run<TransposeAttrs>(Transpose, { x: filter }, { perm: [0, 1, 3, 2] });
    return s.adopt(runGemm(runner, spec, [dy, turned], [...inputShape], tiling));
  });
};

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'webgpu',
  kernelFunc: conv2dBackpropInput,
};
