/**
 * Running a GEMM (gemm-shader.ts) through tfjs's webgpu backend: one program when the k range is
 * not split; otherwise a program writing one partial C per slice into a scratch tensor, then
 * SplitKReduceProgram summing them. The scratch tensor is freed before returning (tfjs defers
 * the buffer's release until the queued commands that use it are submitted).
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { gemmShader, outputComponent, type GemmSpec } from './gemm-shader.js';
import { chooseTiling, workgroupSize, type GemmTiling } from './gemm-tiling.js';
import type { WebGpuProgram, WebGpuRunner } from './program.js';
import { SplitKReduceProgram } from './split-k-reduce.js';

/** WebGPU's default limit on workgroups per dispatch dimension. */
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

export class TiledGemmProgram implements WebGpuProgram {
  shaderKey: string;
  outputShape: number[];
  variableNames = ['A', 'B'];
  variableComponents: number[];
  outputComponent: number;
  workgroupSize: [number, number, number];
  dispatchLayout = { x: [0], y: [1], z: [2] };
  dispatch: [number, number, number];

  constructor(
    readonly spec: GemmSpec,
    readonly tiling: GemmTiling,
    outputShape: number[],
  ) {
    const { m, n, batch } = spec.shape;
    const t = tiling;
    this.outputShape = outputShape;
    this.variableComponents = [spec.a.width, spec.b.width];
    this.outputComponent = outputComponent(spec.shape);
    this.workgroupSize = workgroupSize(t);
    this.dispatch = [Math.ceil(m / t.tileM), Math.ceil(n / t.tileN), batch * t.splits];
    const tilingKey = [t.tileM, t.tileN, t.tileK, t.threadM, t.threadN, t.splits, t.kPerSplit].join('x');
    this.shaderKey = `dynpipe_gemm_${m}_${n}_${spec.shape.k}_${batch}_${tilingKey}_A${spec.a.key}_B${spec.b.key}`;
  }

  getUserCode(): string {
    return gemmShader(this.spec, this.tiling);
  }
}

/** Whether the GEMM's workgroup grid fits WebGPU's per-dimension dispatch limit. */
export function gemmFits(spec: GemmSpec, tiling: GemmTiling): boolean {
  const { m, n, batch } = spec.shape;
  return [Math.ceil(m / tiling.tileM), Math.ceil(n / tiling.tileN), batch * tiling.splits].every((d) => d <= MAX_WORKGROUPS_PER_DIMENSION);
}

/**
 * C = the GEMM of `spec` over inputs [A, B], as a float32 tensor of `outputShape` (whose size is
 * batch * m * n, laid out as [batch, m, n]).
 */
export function runGemm(backend: WebGpuRunner, spec: GemmSpec, inputs: [TensorInfo, TensorInfo], outputShape: number[], tiling: GemmTiling = chooseTiling(spec.shape)): TensorInfo {
  if (!gemmFits(spec, tiling)) throw new Error(`GEMM ${JSON.stringify(spec.shape)} needs more than ${MAX_WORKGROUPS_PER_DIMENSION} workgroups along one dispatch dimension`);
  const { m, n, batch } = spec.shape;
  if (tiling.splits === 1) return backend.runWebGPUProgram(new TiledGemmProgram(spec, tiling, outputShape), inputs, 'float32');
  const partial = backend.runWebGPUProgram(new TiledGemmProgram(spec, tiling, [batch * tiling.splits, m, n]), inputs, 'float32');
  try {
    return backend.runWebGPUProgram(new SplitKReduceProgram(outputShape, batch, tiling.splits, outputComponent(spec.shape)), [partial], 'float32');
  } finally {
    backend.disposeData(partial.dataId);
  }
}
