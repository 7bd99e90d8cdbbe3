/**
 * Sum and Mean for webgpu when the reduced axes are the leading ones (N, H, W of NHWC, or all
 * axes), float32: one column sum (column-sum.ts) instead of tfjs's transpose and one workgroup per
 * output. Other reductions go to the built-in kernel.
 */
import { Mean, Sum, util, type KernelConfig, type KernelFunc, type MeanAttrs, type SumAttrs } from '@tensorflow/tfjs-core';
import { runBuiltin } from '../builtin.js';
import { kernelAttrs, requireInputs } from '../kernel-scope.js';
import { runColumnSum } from './column-sum.js';
import { asWebGpuRunner } from './program.js';

/** The number of leading axes `axes` reduces, or null when they are not a non-empty prefix of the dims. */
export function leadingAxes(axis: number | number[], shape: readonly number[]): number | null {
  const axes = [...util.parseAxisParam(axis, [...shape])].sort((a, b) => a - b);
  if (axes.length === 0 || axes.some((a, i) => a !== i)) return null;
  return axes.length;
}

function reduceKernel(kernelName: typeof Sum | typeof Mean, mean: boolean): KernelFunc {
  return (args) => {
    const { x } = requireInputs(args.inputs, kernelName, ['x'] as const);
    const { axis, keepDims } = kernelAttrs<SumAttrs | MeanAttrs>(args.attrs, kernelName);
    const lead = leadingAxes(axis, x.shape);
    const rows = lead === null ? 0 : util.sizeFromShape(x.shape.slice(0, lead));
    const cols = lead === null ? 0 : util.sizeFromShape(x.shape.slice(lead));
    if (lead === null || x.dtype !== 'float32' || rows === 0 || cols === 0) return runBuiltin(kernelName, 'webgpu', args);
    const outShape = keepDims ? x.shape.map((d, i) => (i < lead ? 1 : d)) : x.shape.slice(lead);
    return runColumnSum(asWebGpuRunner(args.backend, kernelName), x, rows, cols, outShape, mean ? 1 / rows : 1);
  };
}

export const sumConfig: KernelConfig = { kernelName: Sum, backendName: 'webgpu', kernelFunc: reduceKernel(Sum, false) };
export const meanConfig: KernelConfig = { kernelName: Mean, backendName: 'webgpu', kernelFunc: reduceKernel(Mean, true) };
