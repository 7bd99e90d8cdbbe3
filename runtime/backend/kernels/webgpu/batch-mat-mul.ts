/**
 * BatchMatMul (float32) for webgpu on our tiled GEMM (gemm-shader.ts): 128x128 tiles with 8x8
 * outputs per invocation for large products, split-K when there are too few tiles. The built-in
 * reached 16.5 TFLOP/s at 4096^2 on an H100, a third of PyTorch fp32 (issue #14).
 *
 * a [..., ra, ca] and b [..., rb, cb] with the transposes applied give m x k and k x n matrices.
 * Each operand is read in its stored layout, along whichever axis is contiguous (k for a row-major
 * a, m for a transposed one; n for b, k for a transposed b), as vec4 when that extent is a
 * multiple of 4. Batch dims broadcast as in tfjs-core: each operand's matrix for output batch
 * entry z is found from z's coordinates, 0 along the operand's size-1 dims. int32 goes to the
 * built-in. (The built-in fails on two-way broadcasts such as [2, 1] x [1, 3].)
 */
import { BatchMatMul, broadcast_util, util, type BatchMatMulAttrs, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { runBuiltin } from '../builtin.js';
import { kernelAttrs, requireInputs } from '../kernel-scope.js';
import { gemmFits, runGemm } from './gemm-program.js';
import { readAt, vectorWidth } from './operand-reads.js';
import type { GemmSpec, OperandLoad } from './gemm-shader.js';
import { chooseTiling } from './gemm-tiling.js';
import { asWebGpuRunner } from './program.js';

export interface MatMulProblem {
  /** The output's batch dims (broadcast of both operands'). */
  readonly outer: readonly number[];
  /** Each operand's batch dims, as stored. */
  readonly outerA: readonly number[];
  readonly outerB: readonly number[];
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

/**
 * WGSL for the index of an operand's matrix used by output batch entry `batch`: the operand's
 * batch dims (`operand`, left-padded with 1s) broadcast to `outer`.
 */
export function batchIndexExpr(outer: readonly number[], operand: readonly number[]): string {
  const padded = [...Array<number>(outer.length - operand.length).fill(1), ...operand];
  if (padded.every((d) => d === 1)) return '0';
  if (padded.every((d, i) => d === outer[i])) return 'batch';
  const terms: string[] = [];
  for (let d = 0; d < outer.length; d++) {
    if (padded[d] === 1) continue;
    const outStride = util.sizeFromShape(outer.slice(d + 1));
    const stride = util.sizeFromShape(padded.slice(d + 1));
    terms.push(`((batch / ${outStride}) % ${outer[d]}) * ${stride}`);
  }
  return terms.join(' + ');
}

/**
 * An operand stored as [batch, rows, cols] row-major, read as the GEMM's (outer, k) or (k, outer)
 * matrix. `outerIsRow`: outer indexes its rows (then loads run along k, its columns).
 */
function matrixLoad(buffer: 'A' | 'B', outer: number, k: number, outerIsRow: boolean, matrixIndex: string): OperandLoad {
  const width = vectorWidth(outerIsRow ? k : outer);
  const base = matrixIndex === '0' ? '0' : `(${matrixIndex}) * ${outer * k}`;
  return {
    along: outerIsRow ? 'k' : 'outer',
    width,
    info: `return vec4<i32>(${base} + mn${outerIsRow ? ` * ${k}` : ''}, 0, 0, 0);`,
    load: `return ${readAt(buffer, outerIsRow ? 'info.x + k' : `info.x + k * ${outer}`, width)};`,
    key: `${outerIsRow ? 'r' : 'c'}${width}_${matrixIndex.replace(/[^0-9a-z]+/g, '.')}`,
  };
}

export function matMulGemm(p: MatMulProblem): GemmSpec {
  return {
    shape: { m: p.m, n: p.n, k: p.k, batch: util.sizeFromShape([...p.outer]) },
    a: matrixLoad('A', p.m, p.k, !p.transposeA, batchIndexExpr(p.outer, p.outerA)),
    b: matrixLoad('B', p.n, p.k, p.transposeB, batchIndexExpr(p.outer, p.outerB)),
  };
}

const batchMatMul: KernelFunc = (args) => {
  const { a, b } = requireInputs(args.inputs, BatchMatMul, ['a', 'b'] as const);
  const { transposeA, transposeB } = kernelAttrs<BatchMatMulAttrs>(args.attrs, BatchMatMul);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return runBuiltin(BatchMatMul, 'webgpu', args);
  const [ra, ca] = a.shape.slice(-2);
  const [rb, cb] = b.shape.slice(-2);
  const [m, k] = transposeA ? [ca, ra] : [ra, ca];
  const [kb, n] = transposeB ? [cb, rb] : [rb, cb];
  if (k !== kb) throw new Error(`${BatchMatMul}: inner dimensions differ: a ${JSON.stringify(a.shape)} transposeA=${transposeA}, b ${JSON.stringify(b.shape)} transposeB=${transposeB}`);
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const outer = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  if (m * n * k === 0) return runBuiltin(BatchMatMul, 'webgpu', args);
  const spec = matMulGemm({ outer, outerA, outerB, m, n, k, transposeA, transposeB });
  const tiling = chooseTiling(spec.shape);
  if (!gemmFits(spec, tiling)) return runBuiltin(BatchMatMul, 'webgpu', args);
  return runGemm(asWebGpuRunner(args.backend, BatchMatMul), spec, [a, b], [...outer, m, n], tiling);
};

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'webgpu',
  kernelFunc: batchMatMul,
};
