/**
 * Our tiled GEMM on webgpu (lavapipe here) with every tile shape, forced to split k or not,
 * against the same product on the cpu backend, to 1e-4 relative: the kernels' own tile choice
 * only ever picks the smallest tiles for the small shapes of the conformance suite. Between them
 * the problems read each operand in all four ways a tile load can go (along k or along m / n, as
 * vec4 or as scalars), with a k range that splits into 3 slices. (The forward conv's loader
 * reads like the input gradient's, along k; the conformance suite checks its padding logic.)
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import { Conv2DBackpropFilter, Conv2DBackpropInput, backend_util } from '@tensorflow/tfjs-core';
import { filterGradGemm } from '../../../../../runtime/backend/kernels/webgpu/conv2d-backprop-filter.js';
import { inputGradGemm } from '../../../../../runtime/backend/kernels/webgpu/conv2d-backprop-input.js';
import { convGeometry } from '../../../../../runtime/backend/kernels/webgpu/conv-geometry.js';
import { matMulGemm, type MatMulProblem } from '../../../../../runtime/backend/kernels/webgpu/batch-mat-mul.js';
import { runGemm } from '../../../../../runtime/backend/kernels/webgpu/gemm-program.js';
import type { GemmSpec } from '../../../../../runtime/backend/kernels/webgpu/gemm-shader.js';
import { TILE_SHAPES, splitK, type GemmTiling } from '../../../../../runtime/backend/kernels/webgpu/gemm-tiling.js';
import { asWebGpuRunner } from '../../../../../runtime/backend/kernels/webgpu/program.js';
import { releaseBackends, selectBackend } from '../../../../../runtime/backend/select.js';
import { assertClose, randomValues, runOn, seededRandom } from '../../helpers.js';

interface Problem {
  label: string;
  spec: GemmSpec;
  inputs: [number[], number[]];
  outShape: number[];
  /** The same result from tfjs ops, run on cpu. */
  reference: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
}

function matMulProblem(label: string, p: MatMulProblem, aShape: number[], bShape: number[]): Problem {
  return {
    label,
    spec: matMulGemm(p),
    inputs: [aShape, bShape],
    outShape: [...p.outer, p.m, p.n],
    reference: (a, b) => tf.matMul(a, b, p.transposeA, p.transposeB),
  };
}

type Shape4 = [number, number, number, number];

function filterGradProblem(label: string, x: Shape4, filter: Shape4, stride: number): Problem {
  const info = backend_util.computeConv2DInfo(x, filter, stride, 1, 'same');
  return {
    label,
    spec: filterGradGemm(convGeometry(info)),
    inputs: [x, info.outShape],
    outShape: filter,
    reference: (xt, dy) => tf.engine().runKernel(Conv2DBackpropFilter, { x: xt, dy }, { strides: stride, pad: 'same', dataFormat: 'NHWC', filterShape: filter }) as tf.Tensor,
  };
}

/** B is the filter turned to [kh, kw, co, ci], as the kernel hands it to the GEMM. */
function inputGradProblem(label: string, x: Shape4, filter: Shape4, stride: number): Problem {
  const info = backend_util.computeConv2DInfo(x, filter, stride, 1, 'same');
  const [kh, kw, ci, co] = filter;
  return {
    label,
    spec: inputGradGemm(convGeometry(info)),
    inputs: [info.outShape, [kh, kw, co, ci]],
    outShape: x,
    reference: (dy, turned) =>
      tf.engine().runKernel(Conv2DBackpropInput, { dy, filter: tf.transpose(turned, [0, 1, 3, 2]) }, { strides: stride, pad: 'same', dataFormat: 'NHWC', inputShape: x }) as tf.Tensor,
  };
}

const PROBLEMS: Problem[] = [
  matMulProblem('2 products 37x70 @ (45x70)^T, both transposed (scalar loads along m and along k)', { outer: [2], outerA: [2], outerB: [2], m: 37, n: 45, k: 70, transposeA: true, transposeB: true }, [2, 70, 37], [2, 45, 70]),
  matMulProblem('36x72 @ (44x72)^T, b shared (vec4 loads along k)', { outer: [2], outerA: [2], outerB: [], m: 36, n: 44, k: 72, transposeA: false, transposeB: true }, [2, 36, 72], [44, 72]),
  filterGradProblem('conv filter gradient 10x20x8 -> 12, 3x3, stride 2 (vec4 loads along m and n)', [2, 10, 20, 8], [3, 3, 8, 12], 2),
  inputGradProblem('conv input gradient 9x10x11 -> 9, 3x3, stride 2 (scalar loads: dy along k, the filter along n)', [2, 9, 10, 11], [3, 3, 11, 9], 2),
];

function tilings(k: number): Array<{ label: string; tiling: GemmTiling }> {
  return TILE_SHAPES.flatMap((t) => [
    { label: `${t.tileM}x${t.tileN}`, tiling: { ...t, ...splitK(k, t.tileK, 1, 16) } },
    { label: `${t.tileM}x${t.tileN}, 3 slices`, tiling: { ...t, ...splitK(k, t.tileK, 3, 16) } },
  ]);
}

describe('tiled GEMM on webgpu, every tile shape', () => {
  before(async () => {
    await selectBackend('webgpu');
  });
  after(() => releaseBackends());

  PROBLEMS.forEach((p, i) => {
    describe(p.label, () => {
      const random = seededRandom(3000 + i);
      const values = p.inputs.map((shape) => randomValues(shape, random));
      let expected: Float32Array;
      before(async () => {
        [expected] = (await runOn('cpu', () => [p.reference(tf.tensor(values[0], p.inputs[0]), tf.tensor(values[1], p.inputs[1]))])) as Float32Array[];
      });

      for (const { label, tiling } of tilings(p.spec.shape.k)) {
        it(label, async () => {
          if (label.endsWith('slices')) assert.equal(tiling.splits, 3, 'the problem is too small to split');
          const [actual] = await runOn('webgpu', () => {
            const [a, b] = [tf.tensor(values[0], p.inputs[0]), tf.tensor(values[1], p.inputs[1])];
            const out = runGemm(asWebGpuRunner(tf.backend(), 'test'), p.spec, [a, b], p.outShape, tiling);
            return [tf.engine().makeTensorFromTensorInfo(out)];
          });
          assertClose(actual, expected, 1e-4, `${p.label}, ${label}`);
        });
      }
    });
  });
});
