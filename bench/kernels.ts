/**
 * Micro-benchmark of the wasm training kernels we register, against what they compete with:
 *  - Conv2D forward vs our Conv2DBackpropFilter and Conv2DBackpropInput (and the built-in input
 *    gradient we replace) on VGG/ResNet-like CIFAR shapes; the goal is gradients within ~2x of
 *    the forward conv;
 *  - the built-in wasm BatchMatMul vs ours on the products of dense and attention backprop.
 * Each time is the best of --reps runs after one warm-up, kernel calls only (no read-back).
 * XNNPACK packs a conv's filter on first use and caches it by tensor, so "forward" (same filter
 * every run) excludes packing while "fwd, new W" (a fresh filter tensor per run, as after each
 * optimizer step) includes it; both gradients pack per call (their "filter" is dy, or a turned W).
 *
 *   npx tsc -p . && node dist/bench/kernels.js [--reps 3] [--batch 32]
 */
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import * as tf from '@tensorflow/tfjs-core';
import { BatchMatMul, Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, backend_util, getKernel, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { intOption } from '../runtime/cli/options.js';
import { registerOwnKernels } from '../runtime/backend/register.js';
import { activateWasm, wasmDetail } from '../runtime/backend/wasm.js';

type Shape4 = [number, number, number, number];

interface ConvShape {
  label: string;
  size: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
}

const CONV_SHAPES: ConvShape[] = [
  { label: 'VGG conv1 (3 -> 64)', size: 32, inChannels: 3, outChannels: 64, kernel: 3, stride: 1 },
  { label: 'VGG 32x32x64 -> 64', size: 32, inChannels: 64, outChannels: 64, kernel: 3, stride: 1 },
  { label: 'VGG 16x16x128 -> 128', size: 16, inChannels: 128, outChannels: 128, kernel: 3, stride: 1 },
  { label: 'VGG 8x8x256 -> 256', size: 8, inChannels: 256, outChannels: 256, kernel: 3, stride: 1 },
  { label: 'VGG 4x4x512 -> 512', size: 4, inChannels: 512, outChannels: 512, kernel: 3, stride: 1 },
  { label: 'ResNet 3x3/2 32x32x64 -> 128', size: 32, inChannels: 64, outChannels: 128, kernel: 3, stride: 2 },
  { label: 'ResNet 1x1/2 32x32x64 -> 128', size: 32, inChannels: 64, outChannels: 128, kernel: 1, stride: 2 },
];

interface MatMulShape {
  label: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

/** Dense layer 512 -> 512 on 256 rows (forward, dx, dW), and BERT-base attention for 2 x 12 heads. */
const MATMUL_SHAPES: MatMulShape[] = [
  { label: 'dense forward x W', a: [256, 512], b: [512, 512], transposeA: false, transposeB: false },
  { label: 'dense dx = dy W^T', a: [256, 512], b: [512, 512], transposeA: false, transposeB: true },
  { label: 'dense dW = x^T dy', a: [256, 512], b: [256, 512], transposeA: true, transposeB: false },
  { label: 'attention q k^T (24 x 128x64)', a: [24, 128, 64], b: [24, 128, 64], transposeA: false, transposeB: true },
];

/** Best wall time in ms of `reps` calls of `run` after one warm-up; each result is freed. */
function bestMs(reps: number, run: () => TensorInfo, free: (t: TensorInfo) => void): number {
  free(run());
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    const out = run();
    best = Math.min(best, performance.now() - start);
    free(out);
  }
  return best;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const opts = new Command()
    .name('bench-kernels')
    .option('--reps <n>', 'timed runs per kernel (best is reported)', intOption(1, 100), 3)
    .option('--batch <n>', 'batch size of the conv shapes', intOption(1, 1024), 32)
    .option('--progress', 'show a progress bar even when stderr is not a TTY')
    .parse()
    .opts<{ reps: number; batch: number; progress?: boolean }>();

  tf.env().set('PROD', true);
  if (!(await activateWasm())) throw new Error('the wasm backend did not start');
  // Captured before ours replace them.
  const builtinMatMul = getKernel(BatchMatMul, 'wasm') as KernelConfig;
  const builtinInputGrad = getKernel(Conv2DBackpropInput, 'wasm') as KernelConfig;
  registerOwnKernels();
  const backend = tf.backend();
  const free = (t: TensorInfo) => backend.disposeData(t.dataId);
  const call = (config: KernelConfig | undefined, inputs: Record<string, TensorInfo>, attrs: object) => () =>
    config!.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as TensorInfo;

  const bar = process.stderr.isTTY || opts.progress ? new cliProgress.SingleBar({ stream: process.stderr, clearOnComplete: true }, cliProgress.Presets.shades_classic) : null;
  bar?.start(CONV_SHAPES.length + MATMUL_SHAPES.length, 0);

  const convRows: string[][] = [];
  for (const s of CONV_SHAPES) {
    const xShape: Shape4 = [opts.batch, s.size, s.size, s.inChannels];
    const filterShape: Shape4 = [s.kernel, s.kernel, s.inChannels, s.outChannels];
    const info = backend_util.computeConv2DInfo(xShape, filterShape, s.stride, 1, 'same');
    const [x, f, dy] = [tf.randomNormal(xShape), tf.randomNormal(filterShape), tf.randomNormal(info.outShape)];
    const conv = { strides: s.stride, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
    const forward = bestMs(opts.reps, call(getKernel(Conv2D, 'wasm'), { x, filter: f }, conv), free);
    const freshFilter = () => {
      const copy = tf.add(f, 0); // a new tensor id: XNNPACK must pack it again
      const out = call(getKernel(Conv2D, 'wasm'), { x, filter: copy }, conv)();
      copy.dispose();
      return out;
    };
    const forwardNewW = bestMs(opts.reps, freshFilter, free);
    const filterGrad = bestMs(opts.reps, call(getKernel(Conv2DBackpropFilter, 'wasm'), { x, dy }, { ...conv, filterShape }), free);
    const inputGrad = bestMs(opts.reps, call(getKernel(Conv2DBackpropInput, 'wasm'), { dy, filter: f }, { ...conv, inputShape: xShape }), free);
    const builtinInput = bestMs(opts.reps, call(builtinInputGrad, { dy, filter: f }, { ...conv, inputShape: xShape }), free);
    const gflop = (2 * info.outShape.reduce((a, b) => a * b, 1) * s.kernel * s.kernel * s.inChannels) / 1e9;
    const ratio = (ms: number) => (ms / forward).toFixed(2);
    convRows.push([s.label, gflop.toFixed(2), forward.toFixed(1), forwardNewW.toFixed(1), filterGrad.toFixed(1), ratio(filterGrad), inputGrad.toFixed(1), ratio(inputGrad), builtinInput.toFixed(1), ratio(builtinInput)]);
    tf.dispose([x, f, dy]);
    bar?.increment();
  }

  const matRows: string[][] = [];
  for (const s of MATMUL_SHAPES) {
    const [a, b] = [tf.randomNormal(s.a), tf.randomNormal(s.b)];
    const attrs = { transposeA: s.transposeA, transposeB: s.transposeB };
    const builtin = bestMs(opts.reps, call(builtinMatMul, { a, b }, attrs), free);
    const ours = bestMs(opts.reps, call(getKernel(BatchMatMul, 'wasm'), { a, b }, attrs), free);
    matRows.push([s.label, JSON.stringify(s.a), JSON.stringify(s.b), builtin.toFixed(1), ours.toFixed(1), (builtin / ours).toFixed(1)]);
    tf.dispose([a, b]);
    bar?.increment();
  }
  bar?.stop();

  process.stdout.write(`wasm (${await wasmDetail()}), batch ${opts.batch}, best of ${opts.reps}, times in ms\n\n`);
  const convHeader = ['conv (3x3 unless noted, same)', 'GFLOP', 'forward', 'fwd, new W', 'dW ours', '/fwd', 'dx ours', '/fwd', 'dx built-in', '/fwd'];
  process.stdout.write(table(convHeader, convRows) + '\n\n');
  process.stdout.write(table(['BatchMatMul', 'a', 'b', 'built-in', 'ours', 'speed-up'], matRows) + '\n');
}

await main();
