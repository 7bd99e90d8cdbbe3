/**
 * The second pass of a split-K GEMM: C[b, i] = sum over s < splits of P[b * splits + s, i], where
 * P holds one partial C per slice of the k range (gemm-shader.ts). WGSL has no float atomics, so
 * slices cannot add into C directly. One invocation per element (or vec4) of C, summing the
 * slices in order, so the result does not depend on scheduling.
 */
import type { WebGpuProgram } from './program.js';

const WORKGROUP = 256;

export class SplitKReduceProgram implements WebGpuProgram {
  shaderKey: string;
  outputShape: number[];
  variableNames = ['P'];
  variableComponents: number[];
  outputComponent: number;
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  private readonly perBatch: number;
  private readonly total: number;

  /**
   * @param outputShape shape of C: batch entries of `perBatchElements` values each
   * @param splits      partial Cs per batch entry in P
   * @param component   4 to add vec4s (perBatchElements must then be a multiple of 4), else 1
   */
  constructor(outputShape: number[], readonly batch: number, readonly splits: number, component: 1 | 4) {
    const elements = outputShape.reduce((p, d) => p * d, 1);
    if (elements % (batch * component) !== 0) throw new Error(`split-K reduce: ${elements} outputs are not ${batch} batches of whole vec${component}s`);
    this.outputShape = outputShape;
    this.variableComponents = [component];
    this.outputComponent = component;
    this.total = elements / component;
    this.perBatch = this.total / batch;
    this.dispatch = [Math.ceil(this.total / WORKGROUP), 1, 1];
    this.shaderKey = `dynpipe_splitk_reduce_${component}_${batch}_${splits}_${this.perBatch}`;
  }

  getUserCode(): string {
    const t = this.outputComponent === 4 ? 'vec4<f32>' : 'f32';
    return `
  fn main(index: i32) {
    _ = uniforms.NAN; // tfjs always binds its uniforms; a pipeline with layout 'auto' must use them
    if (index < ${this.total}) {
      let b = index / ${this.perBatch};
      let i = index - b * ${this.perBatch};
      var sum = ${t}(0.0);
      for (var s = 0; s < ${this.splits}; s++) {
        sum = sum + P[(b * ${this.splits} + s) * ${this.perBatch} + i];
      }
      result[index] = sum;
    }
  }
`;
  }
}
