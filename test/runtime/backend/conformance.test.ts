/**
 * Conformance: every kernel we register, on its backend, against the cpu backend's kernel of the
 * same name on small seeded inputs (odd sizes, batch 1, strides 1-2, same/valid/explicit padding,
 * channel counts that are not multiples of 4; on webgpu each operand read as vec4 or as scalars,
 * in every mix), to 1e-4 relative to the output's largest value.
 * Cases we reject on purpose sit in KNOWN_GAPS, each with its reason, and must fail loudly.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import {
  BatchMatMul,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  MaxPoolGrad,
  Mean,
  Sum,
  UnsortedSegmentSum,
  backend_util,
  getKernel,
  type NamedAttrMap,
} from '@tensorflow/tfjs-core';
import { OWN_KERNELS, kernelKey, registerOwnKernels } from '../../../runtime/backend/register.js';
import { releaseBackends, selectBackend, type ConcreteBackend } from '../../../runtime/backend/select.js';
import { assertClose, randomValues, runOn, seededRandom } from './helpers.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface InputSpec {
  shape: number[];
  /** int32 inputs carry their values; float32 ones are drawn from the seeded generator unless given. */
  ints?: number[];
  floats?: number[];
  /**
   * A float32 input made by casting these int32 values: webgpu keeps such a tensor in its int32
   * buffer, so a kernel must convert on load.
   */
  castInts?: number[];
}

interface KernelCase {
  label: string;
  inputs: Record<string, InputSpec>;
  attrs: NamedAttrMap;
  /** The same result by other ops, for a case cpu's own kernel gets wrong. */
  cpuReference?: (inputs: Record<string, tf.Tensor>) => tf.Tensor;
}

function conv2dBackpropFilterCase(label: string, x: Shape4, filterShape: Shape4, strides: number, pad: Pad): KernelCase {
  const { outShape } = backend_util.computeConv2DInfo(x, filterShape, strides, 1, pad);
  return { label, inputs: { x: { shape: x }, dy: { shape: outShape } }, attrs: { strides, pad, dataFormat: 'NHWC', filterShape } };
}

function conv2dCase(label: string, x: Shape4, filterShape: Shape4, strides: number, pad: Pad, dilations = 1): KernelCase {
  return { label, inputs: { x: { shape: x }, filter: { shape: filterShape } }, attrs: { strides, pad, dataFormat: 'NHWC', dilations } };
}

function conv2dBackpropInputCase(label: string, x: Shape4, filterShape: Shape4, strides: number, pad: Pad): KernelCase {
  const { outShape } = backend_util.computeConv2DInfo(x, filterShape, strides, 1, pad);
  return { label, inputs: { dy: { shape: outShape }, filter: { shape: filterShape } }, attrs: { strides, pad, dataFormat: 'NHWC', inputShape: x } };
}

function depthwiseShapes(x: Shape4, filterShape: Shape4, strides: number, dilations: number, pad: Pad): number[] {
  return backend_util.computeConv2DInfo(x, filterShape, strides, dilations, pad, undefined, true).outShape;
}

function depthwiseInputCase(label: string, x: Shape4, filterShape: Shape4, strides: number, dilations: number, pad: Pad): KernelCase {
  const dy = depthwiseShapes(x, filterShape, strides, dilations, pad);
  return { label, inputs: { dy: { shape: dy }, filter: { shape: filterShape } }, attrs: { strides, dilations, pad, inputShape: x } };
}

function depthwiseFilterCase(label: string, x: Shape4, filterShape: Shape4, strides: number, dilations: number, pad: Pad): KernelCase {
  const dy = depthwiseShapes(x, filterShape, strides, dilations, pad);
  return { label, inputs: { x: { shape: x }, dy: { shape: dy } }, attrs: { strides, dilations, pad, filterShape } };
}

function matMulCase(label: string, a: number[], b: number[], transposeA: boolean, transposeB: boolean): KernelCase {
  return { label, inputs: { a: { shape: a }, b: { shape: b } }, attrs: { transposeA, transposeB } };
}

function maxPoolGradCase(label: string, x: Shape4, filterSize: number, strides: number, pad: Pad, floats?: number[]): KernelCase {
  const { outShape } = backend_util.computePool2DInfo(x, filterSize, strides, 1, pad);
  return { label, inputs: { dy: { shape: outShape }, input: { shape: x, floats }, output: { shape: outShape } }, attrs: { filterSize, strides, pad } };
}

function reduceCase(label: string, x: number[], axis: number | number[], keepDims: boolean): KernelCase {
  return { label, inputs: { x: { shape: x } }, attrs: { axis, keepDims } };
}

const REDUCE_CASES: KernelCase[] = [
  reduceCase('N, H, W of NHWC, keepDims (vec4 loads)', [3, 5, 7, 8], [0, 1, 2], true),
  reduceCase('N, H, W with 6 channels (scalar loads), 5 slices of rows', [4, 9, 10, 6], [0, 1, 2], false),
  reduceCase('N, H, W with 4 channels, 50 slices of rows', [2, 40, 40, 4], [0, 1, 2], false),
  reduceCase('all axes, to a scalar', [5, 7, 3], [0, 1, 2], false),
  reduceCase('batch 1, N, H, W with 3 channels', [1, 5, 7, 3], [0, 1, 2], false),
  reduceCase('axes given out of order and negative', [2, 3, 4, 5], [1, -4], false),
  reduceCase('the last axis (the built-in)', [4, 6], 1, false),
  reduceCase('middle axes (the built-in)', [2, 3, 4, 5], [1, 2], true),
  {
    label: 'float32 cast from int32 (an i32 buffer), vec4 and scalar columns',
    inputs: { x: { shape: [3, 2, 6], castInts: [...Array(36).keys()].map((i) => (i * 7) % 11 - 5) } },
    attrs: { axis: [0], keepDims: false },
  },
];

function segmentSumCase(label: string, x: number[], ids: number[], idShape: number[], numSegments: number): KernelCase {
  return { label, inputs: { x: { shape: x }, segmentIds: { shape: idShape, ints: ids } }, attrs: { numSegments } };
}

/** Cases per kernel name; every kernel in OWN_KERNELS must have some. */
const CASES: Record<string, KernelCase[]> = {
  [Conv2DBackpropFilter]: [
    conv2dBackpropFilterCase('batch 1, 7x7x3 -> 5, 3x3, stride 1, same', [1, 7, 7, 3], [3, 3, 3, 5], 1, 'same'),
    conv2dBackpropFilterCase('9x8x5 -> 6, 3x3, stride 2, valid', [2, 9, 8, 5], [3, 3, 5, 6], 2, 'valid'),
    conv2dBackpropFilterCase('batch 1, 8x8x3 -> 2, 3x3, stride 2, same', [1, 8, 8, 3], [3, 3, 3, 2], 2, 'same'),
    conv2dBackpropFilterCase('5x5x3 -> 3, 2x2, stride 2, valid (last row and column unread)', [3, 5, 5, 3], [2, 2, 3, 3], 2, 'valid'),
    conv2dBackpropFilterCase('10x9x2 -> 3, 5x3, stride 2, explicit pads', [1, 10, 9, 2], [5, 3, 2, 3], 2, [[0, 0], [2, 1], [1, 0], [0, 0]]),
    conv2dBackpropFilterCase('6x7x6 -> 7, 1x1, stride 1 (matrix product path)', [2, 6, 7, 6], [1, 1, 6, 7], 1, 'valid'),
    conv2dBackpropFilterCase('7x7x5 -> 6, 1x1, stride 2, same (ResNet shortcut)', [2, 7, 7, 5], [1, 1, 5, 6], 2, 'same'),
    conv2dBackpropFilterCase('12x11x8 -> 12, 3x3, stride 1, same (vec4 loads; split-K, uneven last slice)', [3, 12, 11, 8], [3, 3, 8, 12], 1, 'same'),
    conv2dBackpropFilterCase('batch 1, 9x9x4 -> 4, 3x3, stride 2, valid (vec4 loads)', [1, 9, 9, 4], [3, 3, 4, 4], 2, 'valid'),
    conv2dBackpropFilterCase('7x9x8 -> 6, 3x3, stride 1, valid (vec4 x, scalar dy)', [2, 7, 9, 8], [3, 3, 8, 6], 1, 'valid'),
    conv2dBackpropFilterCase('batch 1, 9x7x6 -> 8, 3x3, stride 2, same (scalar x, vec4 dy)', [1, 9, 7, 6], [3, 3, 6, 8], 2, 'same'),
  ],
  [Conv2D]: [
    conv2dCase('batch 1, 7x7x3 -> 5, 3x3, stride 1, same', [1, 7, 7, 3], [3, 3, 3, 5], 1, 'same'),
    conv2dCase('9x8x5 -> 6, 3x3, stride 2, valid', [2, 9, 8, 5], [3, 3, 5, 6], 2, 'valid'),
    conv2dCase('10x9x2 -> 3, 5x3, stride 2, explicit pads', [1, 10, 9, 2], [5, 3, 2, 3], 2, [[0, 0], [2, 1], [1, 0], [0, 0]]),
    conv2dCase('7x7x5 -> 6, 1x1, stride 2, same (ResNet shortcut)', [2, 7, 7, 5], [1, 1, 5, 6], 2, 'same'),
    conv2dCase('11x10x8 -> 12, 3x3, stride 1, same (vec4 loads)', [3, 11, 10, 8], [3, 3, 8, 12], 1, 'same'),
    conv2dCase('9x9x4 -> 3, 3x3, dilation 2, same', [2, 9, 9, 4], [3, 3, 4, 3], 1, 'same', 2),
    conv2dCase('batch 1, 9x7x3 -> 5, 3x3, stride 2, same (uneven padding)', [1, 9, 7, 3], [3, 3, 3, 5], 2, 'same'),
    conv2dCase('7x9x8 -> 6, 3x3, stride 1, valid (vec4 x, scalar filter)', [2, 7, 9, 8], [3, 3, 8, 6], 1, 'valid'),
    conv2dCase('9x7x6 -> 8, 3x3, stride 2, same (scalar x, vec4 filter)', [2, 9, 7, 6], [3, 3, 6, 8], 2, 'same'),
  ],
  [Conv2DBackpropInput]: [
    conv2dBackpropInputCase('batch 1, 7x7x3 -> 5, 3x3, stride 1, same', [1, 7, 7, 3], [3, 3, 3, 5], 1, 'same'),
    conv2dBackpropInputCase('9x8x5 -> 6, 3x3, stride 2, valid', [2, 9, 8, 5], [3, 3, 5, 6], 2, 'valid'),
    conv2dBackpropInputCase('batch 1, 8x8x3 -> 2, 3x3, stride 2, same', [1, 8, 8, 3], [3, 3, 3, 2], 2, 'same'),
    conv2dBackpropInputCase('5x5x3 -> 3, 2x2, stride 2, valid (last row and column unread)', [3, 5, 5, 3], [2, 2, 3, 3], 2, 'valid'),
    conv2dBackpropInputCase('10x9x2 -> 3, 5x3, stride 2, explicit pads', [1, 10, 9, 2], [5, 3, 2, 3], 2, [[0, 0], [2, 1], [1, 0], [0, 0]]),
    conv2dBackpropInputCase('6x6x2 -> 3, 2x2, pads wider than the filter', [1, 6, 6, 2], [2, 2, 2, 3], 1, [[0, 0], [2, 1], [0, 3], [0, 0]]),
    conv2dBackpropInputCase('7x7x5 -> 6, 1x1, stride 2, same (ResNet shortcut)', [2, 7, 7, 5], [1, 1, 5, 6], 2, 'same'),
    conv2dBackpropInputCase('11x10x8 -> 12, 3x3, stride 2, same (vec4 loads)', [3, 11, 10, 8], [3, 3, 8, 12], 2, 'same'),
    conv2dBackpropInputCase('7x9x6 -> 8, 3x3, stride 1, valid (vec4 dy, scalar filter rows)', [2, 7, 9, 6], [3, 3, 6, 8], 1, 'valid'),
    conv2dBackpropInputCase('9x7x8 -> 6, 3x3, stride 2, same (scalar dy, vec4 filter rows)', [2, 9, 7, 8], [3, 3, 8, 6], 2, 'same'),
  ],
  [Sum]: REDUCE_CASES,
  [Mean]: REDUCE_CASES,
  [UnsortedSegmentSum]: [
    segmentSumCase('rows with repeated ids', [6, 3], [2, 0, 2, 3, 0, 2], [6], 4),
    segmentSumCase('rows of a 3-d x', [6, 2, 5], [1, 6, 1, 0, 6, 6], [6], 7),
    segmentSumCase('ids out of range are dropped', [5, 3], [-1, 4, 9, 0, 4], [5], 5),
    segmentSumCase('scalars, batch 1', [1], [2], [1], 3),
  ],
  [DepthwiseConv2dNativeBackpropInput]: [
    depthwiseInputCase('batch 1, 7x7x3, multiplier 2, stride 1, same', [1, 7, 7, 3], [3, 3, 3, 2], 1, 1, 'same'),
    depthwiseInputCase('8x9x5, multiplier 1, stride 2, valid', [2, 8, 9, 5], [3, 3, 5, 1], 2, 1, 'valid'),
  ],
  [DepthwiseConv2dNativeBackpropFilter]: [
    depthwiseFilterCase('batch 1, 7x7x3, multiplier 2, stride 1, same', [1, 7, 7, 3], [3, 3, 3, 2], 1, 1, 'same'),
    depthwiseFilterCase('8x9x5, multiplier 1, stride 2, valid', [2, 8, 9, 5], [3, 3, 5, 1], 2, 1, 'valid'),
  ],
  [MaxPoolGrad]: [
    maxPoolGradCase('2x2, stride 2, valid (windows of negative values included)', [2, 6, 8, 3], 2, 2, 'valid'),
    maxPoolGradCase('batch 1, 7x7x5, 2x2, stride 2, same (padded last row)', [1, 7, 7, 5], 2, 2, 'same'),
    maxPoolGradCase('9x9x2, 3x3, stride 2, same (overlapping windows)', [2, 9, 9, 2], 3, 2, 'same'),
    maxPoolGradCase('windows of zeros send their gradient to the first zero', [1, 4, 4, 1], 2, 2, 'valid', [0, 0, 0, 0, 0, 0, 0, 0.5, 0, 0.5, 0.5, 0.5, 0, 0, 0.5, 0.5]),
  ],
  [BatchMatMul]: [
    matMulCase('2-d', [5, 7], [7, 3], false, false),
    matMulCase('2-d, a transposed (dW = x^T dy)', [7, 5], [7, 3], true, false),
    matMulCase('2-d, b transposed (dx = dy W^T)', [5, 7], [3, 7], false, true),
    matMulCase('2-d, both transposed', [7, 5], [3, 7], true, true),
    matMulCase('b shared by the batch', [2, 3, 6, 7], [7, 5], false, false),
    matMulCase('a shared by the batch, a transposed', [7, 6], [3, 7, 5], true, false),
    matMulCase('batched, tiny matrices (broadcast multiply path)', [4, 3, 5], [4, 2, 5], false, true),
    matMulCase('batched, one product per entry', [3, 20, 17], [3, 17, 15], false, false),
    matMulCase('batch 1, odd extents', [1, 9, 13], [1, 13, 11], false, false),
    matMulCase('k a multiple of 4, n not (vec4 a, scalar b)', [6, 12], [12, 7], false, false),
    matMulCase('attention scores q k^T, 4-d', [2, 2, 33, 16], [2, 2, 33, 16], false, true),
    matMulCase('2-d, every extent a multiple of 4 (vec4 loads), a transposed', [36, 20], [36, 44], true, false),
    {
      label: 'a is float32 cast from int32 (an i32 buffer)',
      inputs: { a: { shape: [4, 8], castInts: [...Array(32).keys()].map((i) => (i * 5) % 9 - 4) }, b: { shape: [8, 3] } },
      attrs: { transposeA: false, transposeB: false },
    },
    {
      ...matMulCase('batch dims broadcast both ways', [2, 1, 4, 5], [1, 3, 5, 6], false, false),
      // cpu's BatchMatMul sizes its output by max(batchA, batchB) = 3 entries instead of 2 x 3.
      cpuReference: ({ a, b }) => tf.matMul(tf.tile(a, [1, 3, 1, 1]), tf.tile(b, [2, 1, 1, 1])),
    },
  ],
};

interface KnownGap {
  backend: ConcreteBackend;
  kernel: string;
  case: KernelCase;
  reason: string;
  /** What the kernel must throw: a gap fails loudly instead of returning wrong values. */
  error: RegExp;
}

const KNOWN_GAPS: KnownGap[] = [
  {
    backend: 'wasm',
    kernel: BatchMatMul,
    case: { label: 'int32 operands', inputs: { a: { shape: [2, 2], ints: [1, 2, 3, 4] }, b: { shape: [2, 2], ints: [5, 6, 7, 8] } }, attrs: { transposeA: false, transposeB: false } },
    reason: "wasm's matrix kernels are float32-only, as was the built-in BatchMatMul we replace",
    error: /float32 only/,
  },
  {
    backend: 'wasm',
    kernel: Conv2DBackpropFilter,
    case: { label: 'NCHW', inputs: { x: { shape: [1, 3, 5, 5] }, dy: { shape: [1, 2, 5, 5] } }, attrs: { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 3, 2] } },
    reason: "wasm's Conv2D is NHWC-only, so there is no NCHW forward pass to differentiate",
    error: /NHWC only/,
  },
];

function makeInputs(c: KernelCase, seed: number): Record<string, Float32Array | Int32Array> {
  const random = seededRandom(seed);
  return Object.fromEntries(
    Object.entries(c.inputs).map(([name, spec]) => {
      const ints = spec.ints ?? spec.castInts;
      return [name, ints ? Int32Array.from(ints) : spec.floats ? Float32Array.from(spec.floats) : randomValues(spec.shape, random)];
    }),
  );
}

function runKernel(kernelName: string, c: KernelCase, values: Record<string, Float32Array | Int32Array>, useReference = false): tf.Tensor[] {
  const inputs = Object.fromEntries(
    Object.entries(c.inputs).map(([name, spec]) => {
      if (spec.castInts) return [name, tf.cast(tf.tensor(values[name], spec.shape, 'int32'), 'float32')];
      return [name, tf.tensor(values[name], spec.shape, spec.ints ? 'int32' : 'float32')];
    }),
  );
  if (useReference && c.cpuReference) return [c.cpuReference(inputs)];
  const out = tf.engine().runKernel(kernelName, inputs, c.attrs);
  return Array.isArray(out) ? out : [out];
}

const backends = [...new Set(OWN_KERNELS.map((e) => e.config.backendName as ConcreteBackend))];

describe('kernel conformance against cpu', function () {
  after(() => releaseBackends());

  it('registers every kernel of ours, none shadowed by a built-in', async () => {
    await selectBackend('cpu');
    const again = registerOwnKernels();
    assert.deepEqual(again.skipped, []);
    assert.deepEqual(again.registered, []);
    assert.deepEqual(again.alreadyRegistered, OWN_KERNELS.map((e) => kernelKey(e.config)));
    for (const { config } of OWN_KERNELS) assert.equal(getKernel(config.kernelName, config.backendName), config, kernelKey(config));
  });

  for (const backend of backends) {
    describe(backend, () => {
      before(async () => {
        await selectBackend(backend);
      });

      for (const { config } of OWN_KERNELS.filter((e) => e.config.backendName === backend)) {
        const cases = CASES[config.kernelName] ?? [];
        it(`${config.kernelName} has test cases`, () => assert.ok(cases.length > 0));
        cases.forEach((c, i) => {
          it(`${config.kernelName}: ${c.label}`, async () => {
            const values = makeInputs(c, 1000 + i);
            const [expected] = await runOn('cpu', () => runKernel(config.kernelName, c, values, true));
            const [actual] = await runOn(backend, () => runKernel(config.kernelName, c, values));
            assertClose(actual, expected, 1e-4, `${backend} ${config.kernelName} ${c.label}`);
          });
        });
      }

      for (const gap of KNOWN_GAPS.filter((g) => g.backend === backend)) {
        it(`known gap: ${gap.kernel} ${gap.case.label} throws (${gap.reason})`, async () => {
          const values = makeInputs(gap.case, 1);
          await assert.rejects(runOn(backend, () => runKernel(gap.kernel, gap.case, values)), gap.error);
        });
      }
    });
  }
});
