/**
 * Before/after table of the webgpu kernels we replace (issue #14): tfjs-backend-webgpu's own
 * Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter and BatchMatMul against ours, on the issue's
 * shapes (3x3 'same' convs at 32x32x64, 16x16x128, 8x8x256, batch 256; a 4096^2 product), and
 * Sum over N, H, W (batch norm's reduction; its "GFLOP" are additions).
 * bench/webgpu_kernels_torch.py prints PyTorch's times for the same rows.
 *
 * Each time is per call: the GPU time of `--reps` calls from timestamp queries, divided by
 * `--reps`, after one untimed call (which compiles the shaders); where the device lacks
 * timestamp-query, the wall time of `--reps` calls ending in a read-back. Every case has a time
 * limit (`--case-limit-s`: its variant then reads 'timeout', its later variants are skipped, and
 * the next case starts once the late call has finished) and the whole run another (`--limit-s`):
 * past it the process exits with status 2, so a hung device cannot hang the caller. Rows are
 * printed as they are measured, so a caller that kills the process keeps the rows so far.
 *
 *   npx tsc -p . && node dist/bench/webgpu-kernels.js            # GPU node, about a minute
 *   node dist/bench/webgpu-kernels.js --quick                    # lavapipe: batch 2, 256^2
 *   node dist/bench/webgpu-kernels.js --sweep                    # ours with every tile shape too
 */
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import * as tf from '@tensorflow/tfjs-core';
import { BatchMatMul, Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, Sum, backend_util, getKernel, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { intOption } from '../runtime/cli/options.js';
import { builtinKernel } from '../runtime/backend/kernels/builtin.js';
import { matMulGemm } from '../runtime/backend/kernels/webgpu/batch-mat-mul.js';
import { convGeometry } from '../runtime/backend/kernels/webgpu/conv-geometry.js';
import { conv2dGemm } from '../runtime/backend/kernels/webgpu/conv2d.js';
import { filterGradGemm } from '../runtime/backend/kernels/webgpu/conv2d-backprop-filter.js';
import { inputGradGemm } from '../runtime/backend/kernels/webgpu/conv2d-backprop-input.js';
import { runGemm } from '../runtime/backend/kernels/webgpu/gemm-program.js';
import type { GemmSpec } from '../runtime/backend/kernels/webgpu/gemm-shader.js';
import { DEFAULT_TILING_OPTIONS, TILE_SHAPES, chooseTiling, type GemmTiling } from '../runtime/backend/kernels/webgpu/gemm-tiling.js';
import { asWebGpuRunner, type WebGpuRunner } from '../runtime/backend/kernels/webgpu/program.js';
import { releaseBackends, selectBackend } from '../runtime/backend/select.js';

type Shape4 = [number, number, number, number];

interface Flags {
  quick?: boolean;
  batch?: number;
  reps: number;
  caseLimitS: number;
  limitS: number;
  sweep?: boolean;
  progress?: boolean;
}

/** One kernel call to time, on tensors made once per case. */
interface Variant {
  label: string;
  run: () => TensorInfo;
}

interface Case {
  shape: string;
  kernel: string;
  flops: number;
  /** Our tiling, described. */
  tiling: string;
  builtin: Variant;
  ours: Variant;
  /** --sweep: ours forced to each tile shape. */
  sweep: Variant[];
  dispose: () => void;
}

interface Row {
  shape: string;
  kernel: string;
  variant: string;
  flops: number;
  ms: number | 'timeout' | 'error';
  detail: string;
}

function describeTiling(t: GemmTiling): string {
  return `${t.tileM}x${t.tileN}${t.splits > 1 ? `, ${t.splits} slices of ${t.kPerSplit}` : ''}`;
}

function call(config: KernelConfig | undefined, name: string, backend: WebGpuRunner, inputs: Record<string, TensorInfo>, attrs: object): () => TensorInfo {
  if (config === undefined) throw new Error(`no ${name} kernel registered for webgpu`);
  return () => config.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as TensorInfo;
}

/** Variants of ours forced to each tile shape (split as chooseTiling would split that shape). */
function sweepVariants(spec: GemmSpec, backend: WebGpuRunner, inputs: () => [TensorInfo, TensorInfo], outShape: number[], cleanup?: () => void): Variant[] {
  return TILE_SHAPES.map((t) => {
    const tiling = chooseTiling(spec.shape, DEFAULT_TILING_OPTIONS, [t]);
    return {
      label: `ours, ${describeTiling(tiling)}`,
      run: () => {
        const out = runGemm(backend, spec, inputs(), outShape, tiling);
        cleanup?.();
        return out;
      },
    };
  });
}

function convCases(backend: WebGpuRunner, batch: number, size: number, channels: number): Case[] {
  const xShape: Shape4 = [batch, size, size, channels];
  const filterShape: Shape4 = [3, 3, channels, channels];
  const info = backend_util.computeConv2DInfo(xShape, filterShape, 1, 1, 'same');
  const geometry = convGeometry(info);
  const [x, filter, dy] = [tf.randomUniform(xShape, -1, 1), tf.randomUniform(filterShape, -1, 1), tf.randomUniform(info.outShape, -1, 1)];
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  const flops = 2 * info.outShape.reduce((a, b) => a * b, 1) * 9 * channels;
  const shape = `${size}x${size}x${channels}, 3x3 same, batch ${batch}`;
  const make = (kernel: string, spec: GemmSpec, inputs: Record<string, TensorInfo>, kernelAttrs: object, gemmInputs: () => [TensorInfo, TensorInfo], outShape: number[], cleanup?: () => void): Case => ({
    shape,
    kernel,
    flops,
    tiling: describeTiling(chooseTiling(spec.shape)),
    builtin: { label: 'tfjs', run: call(builtinKernel(kernel, 'webgpu'), kernel, backend, inputs, kernelAttrs) },
    ours: { label: 'ours', run: call(getKernel(kernel, 'webgpu'), kernel, backend, inputs, kernelAttrs) },
    sweep: sweepVariants(spec, backend, gemmInputs, outShape, cleanup),
    dispose: () => undefined,
  });
  let turned: tf.Tensor | null = null;
  const turnedFilter = (): [TensorInfo, TensorInfo] => {
    turned = tf.transpose(filter, [0, 1, 3, 2]);
    return [dy, turned];
  };
  const cases = [
    make(Conv2D, conv2dGemm(geometry), { x, filter }, attrs, () => [x, filter], info.outShape),
    make(Conv2DBackpropInput, inputGradGemm(geometry), { dy, filter }, { ...attrs, inputShape: xShape }, turnedFilter, xShape, () => turned?.dispose()),
    make(Conv2DBackpropFilter, filterGradGemm(geometry), { x, dy }, { ...attrs, filterShape }, () => [x, dy], filterShape),
  ];
  cases[cases.length - 1].dispose = () => tf.dispose([x, filter, dy]);
  return cases;
}

function matMulCase(backend: WebGpuRunner, size: number): Case {
  const [a, b] = [tf.randomUniform([size, size], -1, 1), tf.randomUniform([size, size], -1, 1)];
  const spec = matMulGemm({ outer: [], outerA: [], outerB: [], m: size, n: size, k: size, transposeA: false, transposeB: false });
  const attrs = { transposeA: false, transposeB: false };
  return {
    shape: `${size}x${size} @ ${size}x${size}`,
    kernel: BatchMatMul,
    flops: 2 * size ** 3,
    tiling: describeTiling(chooseTiling(spec.shape)),
    builtin: { label: 'tfjs', run: call(builtinKernel(BatchMatMul, 'webgpu'), BatchMatMul, backend, { a, b }, attrs) },
    ours: { label: 'ours', run: call(getKernel(BatchMatMul, 'webgpu'), BatchMatMul, backend, { a, b }, attrs) },
    sweep: sweepVariants(spec, backend, () => [a, b], [size, size]),
    dispose: () => tf.dispose([a, b]),
  };
}

/** Batch norm's reduction: a sum over N, H, W of NHWC activations ("GFLOP": additions). */
function sumCase(backend: WebGpuRunner, batch: number, size: number, channels: number): Case {
  const x = tf.randomUniform([batch, size, size, channels], -1, 1);
  const attrs = { axis: [0, 1, 2], keepDims: false };
  return {
    shape: `${size}x${size}x${channels} over N, H, W, batch ${batch}`,
    kernel: Sum,
    flops: x.size,
    tiling: '',
    builtin: { label: 'tfjs', run: call(builtinKernel(Sum, 'webgpu'), Sum, backend, { x }, attrs) },
    ours: { label: 'ours', run: call(getKernel(Sum, 'webgpu'), Sum, backend, { x }, attrs) },
    sweep: [],
    dispose: () => x.dispose(),
  };
}

/** Per-call milliseconds of `variant`: GPU time by timestamp queries when available, else wall time. */
async function timeVariant(backend: WebGpuRunner & { supportTimestampQuery?: boolean }, variant: Variant, reps: number): Promise<number> {
  const free = (t: TensorInfo) => backend.disposeData(t.dataId);
  const first = variant.run();
  await backend.read(first.dataId);
  free(first);
  if (backend.supportTimestampQuery === true) {
    const timing = await backend.time(() => {
      for (let i = 0; i < reps; i++) free(variant.run());
    });
    return timing.kernelMs as number / reps;
  }
  const start = performance.now();
  let last: TensorInfo | null = null;
  for (let i = 0; i < reps; i++) {
    if (last !== null) free(last);
    last = variant.run();
  }
  await backend.read(last!.dataId);
  free(last!);
  return (performance.now() - start) / reps;
}

function withDeadline<T>(work: Promise<T>, deadline: number): Promise<T | 'timeout'> {
  const left = deadline - performance.now();
  if (left <= 0) return Promise.resolve('timeout');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

const TABLE_HEAD = '| shape | kernel | variant | GFLOP | ms | TFLOP/s | vs tfjs | tiling |\n|---|---|---|---:|---:|---:|---:|---|\n';

/** Row `r` of the table; `earlier` (the rows before it) holds its case's tfjs row, measured first. */
function tableRow(r: Row, earlier: readonly Row[]): string {
  const tflops = typeof r.ms === 'number' ? (r.flops / r.ms / 1e9).toFixed(2) : '';
  const base = earlier.find((b) => b.shape === r.shape && b.kernel === r.kernel && b.variant === 'tfjs');
  const speedUp = r.variant !== 'tfjs' && typeof r.ms === 'number' && base !== undefined && typeof base.ms === 'number' ? `${(base.ms / r.ms).toFixed(2)}x` : '';
  const ms = typeof r.ms === 'number' ? r.ms.toFixed(3) : r.ms;
  return `| ${r.shape} | ${r.kernel} | ${r.variant} | ${(r.flops / 1e9).toFixed(2)} | ${ms} | ${tflops} | ${speedUp} | ${r.detail} |\n`;
}

async function main(): Promise<void> {
  const flags = new Command()
    .name('bench/webgpu-kernels')
    .description("tfjs-backend-webgpu's conv and matmul kernels against ours, on the shapes of issue #14")
    .option('--quick', 'small shapes for a CPU WebGPU (lavapipe): batch 2, a 256^2 product, 2 reps')
    .option('--batch <n>', 'batch of the conv shapes (default 256, or 2 with --quick)', intOption(1, 4096))
    .option('--reps <n>', 'timed calls per measurement', intOption(1, 1000), 5)
    .option('--case-limit-s <s>', 'time limit of each case (one kernel on one shape, all variants)', intOption(1, 3600), 30)
    .option('--limit-s <s>', 'time limit of the whole run; past it the rows so far are printed and the exit status is 2', intOption(1, 36000), 170)
    .option('--sweep', 'also time ours forced to each tile shape')
    .option('--progress', 'show a progress bar even when stderr is not a TTY')
    .parse()
    .opts<Flags>();
  const reps = flags.quick && flags.reps === 5 ? 2 : flags.reps;
  const batch = flags.batch ?? (flags.quick ? 2 : 256);
  const matSize = flags.quick ? 256 : 4096;

  const rows: Row[] = [];
  const finish = (status: number) => {
    process.stdout.write(`\n(ms per call, ${reps} calls per measurement)\n`);
    releaseBackends();
    process.exit(status);
  };
  setTimeout(() => {
    process.stderr.write(`webgpu-kernels: the run passed its limit of ${flags.limitS} s; stopping after ${rows.length} rows\n`);
    finish(2);
  }, flags.limitS * 1000).unref();

  const choice = await selectBackend('webgpu');
  tf.env().set('PROD', true);
  const backend = asWebGpuRunner(tf.backend(), 'bench') as WebGpuRunner & { supportTimestampQuery?: boolean };
  process.stdout.write(`webgpu on ${choice.device}; ${backend.supportTimestampQuery ? 'GPU time from timestamp queries' : 'wall time (no timestamp-query)'}\n\n${TABLE_HEAD}`);

  const makers: Array<() => Case[]> = [
    () => convCases(backend, batch, 32, 64),
    () => convCases(backend, batch, 16, 128),
    () => convCases(backend, batch, 8, 256),
    () => [matMulCase(backend, matSize)],
    () => [sumCase(backend, batch, 32, 64)],
  ];
  const bar = process.stderr.isTTY || flags.progress ? new cliProgress.SingleBar({ stream: process.stderr, clearOnComplete: true, noTTYOutput: flags.progress === true }, cliProgress.Presets.shades_classic) : null;
  bar?.start(3 * 3 + 2, 0);
  for (const make of makers) {
    const cases = make();
    for (const c of cases) {
      const deadline = performance.now() + flags.caseLimitS * 1000;
      for (const v of [c.builtin, c.ours, ...(flags.sweep ? c.sweep : [])]) {
        const work = timeVariant(backend, v, reps).catch((e: unknown) => {
          process.stderr.write(`${c.shape} ${c.kernel} ${v.label}: ${e instanceof Error ? e.message : String(e)}\n`);
          return 'error' as const;
        });
        const ms = await withDeadline(work, deadline);
        const row: Row = { shape: c.shape, kernel: c.kernel, variant: v.label, flops: c.flops, ms, detail: v.label === 'ours' ? c.tiling : '' };
        process.stdout.write(tableRow(row, rows));
        rows.push(row);
        if (ms === 'timeout') {
          // GPU work cannot be cancelled: let the late measurement finish (the run's own limit still
          // applies) before the next one starts or its tensors are freed.
          await work;
          break;
        }
      }
      bar?.increment();
    }
    for (const c of cases) c.dispose();
  }
  bar?.stop();
  finish(0);
}

await main();
