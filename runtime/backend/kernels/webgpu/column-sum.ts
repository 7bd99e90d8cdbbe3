/**
 * Sum over the leading axes of a tensor, read as a matrix x [rows, cols]: out[c] = scale * sum over
 * r of x[r, c]. Batch norm makes these everywhere (statistics over N, H, W of NHWC activations,
 * and the gradients of its scale, shift and mean); tfjs's webgpu reduce first transposes x so the
 * reduced axes come last, then gives each output a single workgroup: 64 workgroups for a
 * 64-channel layer, one for a full reduction.
 *
 * Here workgroup (gx, s) sums rows [s*rowsPerSlice, (s+1)*rowsPerSlice) of a band of columns:
 * colThreads invocations across (a vec4 of columns each when cols is a multiple of 4) by
 * rowThreads invocations down, each striding down the rows, then a tree sum in workgroup memory.
 * With more than one slice, the slices' partial sums are added by SplitKReduceProgram, in slice
 * order; the result does not depend on scheduling.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGpuProgram, WebGpuRunner } from './program.js';
import { SplitKReduceProgram } from './split-k-reduce.js';

const INVOCATIONS = 256;
/** Workgroups wanted in flight (see gemm-tiling.ts). */
const TARGET_WORKGROUPS = 264;
/** Fewest rows a slice may get. */
const MIN_ROWS_PER_SLICE = 64;

export interface ColumnSumPlan {
  readonly width: 1 | 4;
  /** Columns in units of `width`. */
  readonly vectorCols: number;
  readonly colThreads: number;
  readonly rowThreads: number;
  readonly bands: number;
  readonly slices: number;
  readonly rowsPerSlice: number;
}

/** How a [rows, cols] column sum is spread over workgroups. Pure arithmetic. */
export function planColumnSum(rows: number, cols: number): ColumnSumPlan {
  const width = cols % 4 === 0 ? 4 : 1;
  const vectorCols = cols / width;
  let colThreads = 1;
  while (colThreads < 16 && colThreads < vectorCols) colThreads *= 2;
  const bands = Math.ceil(vectorCols / colThreads);
  const wanted = Math.ceil(TARGET_WORKGROUPS / bands);
  const most = Math.max(1, Math.floor(rows / MIN_ROWS_PER_SLICE));
  const rowsPerSlice = Math.ceil(rows / Math.min(wanted, most));
  return { width, vectorCols, colThreads, rowThreads: INVOCATIONS / colThreads, bands, slices: Math.ceil(rows / rowsPerSlice), rowsPerSlice };
}

export class ColumnSumProgram implements WebGpuProgram {
  shaderKey: string;
  outputShape: number[];
  variableNames = ['X'];
  variableComponents: number[];
  outputComponent: number;
  workgroupSize: [number, number, number];
  dispatchLayout = { x: [0], y: [1] };
  dispatch: [number, number, number];

  /** Writes [plan.slices, cols] partial sums times `scale` (or the sum itself, shaped `outputShape`, for one slice). */
  constructor(
    readonly rows: number,
    readonly plan: ColumnSumPlan,
    outputShape: number[],
    readonly scale: number,
  ) {
    this.outputShape = outputShape;
    this.variableComponents = [plan.width];
    this.outputComponent = plan.width;
    this.workgroupSize = [plan.colThreads, plan.rowThreads, 1];
    this.dispatch = [plan.bands, plan.slices, 1];
    const p = plan;
    this.shaderKey = `dynpipe_column_sum_${rows}_${p.width}_${p.vectorCols}_${p.colThreads}_${p.slices}_${p.rowsPerSlice}_${scale}`;
  }

  getUserCode(): string {
    const p = this.plan;
    const t = p.width === 4 ? 'vec4<f32>' : 'f32';
    return `
  var<workgroup> partial: array<${t}, ${p.colThreads * p.rowThreads}>;

  fn main() {
    _ = uniforms.NAN; // tfjs always binds its uniforms; a pipeline with layout 'auto' must use them
    let cl = i32(localId.x);
    let rl = i32(localId.y);
    let col = i32(workgroupId.x) * ${p.colThreads} + cl;
    let slice = i32(workgroupId.y);
    let end = min(${this.rows}, (slice + 1) * ${p.rowsPerSlice});
    var sum = ${t}(0.0);
    if (col < ${p.vectorCols}) {
      for (var r = slice * ${p.rowsPerSlice} + rl; r < end; r += ${p.rowThreads}) {
        sum = sum + ${t}(X[r * ${p.vectorCols} + col]); // X may be an i32 buffer (see readAt in operand-reads.ts)
      }
    }
    partial[rl * ${p.colThreads} + cl] = sum;
    workgroupBarrier();
    for (var half = ${p.rowThreads / 2}; half > 0; half = half / 2) {
      if (rl < half) {
        partial[rl * ${p.colThreads} + cl] = partial[rl * ${p.colThreads} + cl] + partial[(rl + half) * ${p.colThreads} + cl];
      }
      workgroupBarrier();
    }
    if (rl == 0 && col < ${p.vectorCols}) {
      result[slice * ${p.vectorCols} + col] = partial[cl] * ${this.scale.toExponential()};
    }
  }
`;
  }
}

/**
 * scale * (sum over rows of x viewed as [rows, cols]), as a float32 tensor of `outputShape`
 * (cols elements). x must be float32 with rows * cols elements.
 */
export function runColumnSum(backend: WebGpuRunner, x: TensorInfo, rows: number, cols: number, outputShape: number[], scale: number): TensorInfo {
  const plan = planColumnSum(rows, cols);
  if (plan.slices === 1) return backend.runWebGPUProgram(new ColumnSumProgram(rows, plan, outputShape, scale), [x], 'float32');
  const partial = backend.runWebGPUProgram(new ColumnSumProgram(rows, plan, [plan.slices, cols], scale), [x], 'float32');
  try {
    return backend.runWebGPUProgram(new SplitKReduceProgram(outputShape, 1, plan.slices, plan.width), [partial], 'float32');
  } finally {
    backend.disposeData(partial.dataId);
  }
}
