/**
 * Training and forward throughput of zoo models on one backend, single process:
 *   node dist/bench/train.js --backend wasm --models tinycnn,vgg16,bert --batch 32 --steps 10
 * Prints one markdown row per model: forward-only samples/s and GFLOP/s, training samples/s, and
 * the training/forward cost ratio per sample (goal for wasm: <= 3). Times are medians of `--steps`
 * timed runs after `--warmup` untimed ones; each run ends by reading a value back (device sync).
 * `--limit-s` bounds each model's time: once past it, no further timed run starts (at least one
 * is always timed) and the row's model cell says how many were.
 */
import { performance } from 'node:perf_hooks';
import { Command, Option } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendName } from '../runtime/backend/select.js';
import { buildModel } from '../runtime/models/zoo.js';
import { parseArgList } from '../runtime/models/args.js';
import { initStageParams, disposeParams } from '../runtime/models/params.js';
import { StageModule } from '../runtime/models/stage.js';
import { createOptimizer } from '../runtime/train/optimizer.js';
import type { ModelSpec } from '../runtime/models/block.js';
import { intOption } from '../runtime/cli/options.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function randomBatch(model: ModelSpec, batch: number): { x: tf.Tensor; y: tf.Tensor } {
  const x = model.inputDtype === 'int32'
    ? tf.randomUniform([batch, ...model.inputShape], 2, model.numClasses, 'int32', 1)
    : tf.randomUniform([batch, ...model.inputShape], 0, 1, 'float32', 1);
  const y = tf.randomUniform([batch, ...model.labelShape], 0, model.numClasses, 'int32', 2);
  return { x, y };
}

interface ModelTimes {
  fwdMs: number;
  trainMs: number;
  /** Timed runs done: `steps`, or fewer when the model's time limit was reached. */
  timed: number;
}

async function timeModel(model: ModelSpec, batch: number, warmup: number, steps: number, limitMs: number): Promise<ModelTimes> {
  const start = performance.now();
  const n = model.blocks.length;
  const stage = new StageModule(model, [0, n]);
  let params = initStageParams(model, [0, n], 0);
  const opt = createOptimizer({ optimizer: 'momentum', lr: 0.01, momentum: 0.9 });
  const { x, y } = randomBatch(model, batch);
  const fwd: number[] = [];
  const train: number[] = [];
  for (let k = 0; k < warmup + steps; k++) {
    if (train.length > 0 && performance.now() - start > limitMs) break;
    let t0 = performance.now();
    const logits = stage.predict(params, x);
    await logits.data();
    logits.dispose();
    if (k >= warmup) fwd.push(performance.now() - t0);
    t0 = performance.now();
    const r = stage.forwardLoss(params, x, y, { training: true });
    r.logits.dispose();
    await r.loss.data();
    r.loss.dispose();
    const { dx, grads } = stage.backward(r.pending, null);
    dx?.dispose();
    const next = opt.step(params, grads);
    for (const [key, t] of params) if (!next.has(key)) next.set(key, t);
    await next.values().next().value!.data();
    for (const [key, t] of params) if (next.get(key) !== t) t.dispose();
    for (const t of r.bufferUpdates.values()) t.dispose();
    disposeParams(grads);
    params = next;
    if (k >= warmup) train.push(performance.now() - t0);
  }
  x.dispose();
  y.dispose();
  disposeParams(params);
  opt.dispose();
  return { fwdMs: median(fwd), trainMs: median(train), timed: train.length };
}

const program = new Command()
  .name('bench/train')
  .description('single-process forward and training throughput of zoo models on one backend')
  .addOption(new Option('--backend <name>').choices(['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']).default('auto'))
  .option('--models <list>', 'models, each optionally with args as name:k=v;k=v', 'tinycnn,vgg16,bert')
  .option('--batch <n>', 'minibatch size', intOption(1), 32)
  .option('--warmup <n>', 'untimed runs', intOption(0), 2)
  .option('--steps <n>', 'timed runs (median)', intOption(1), 5)
  .option('--limit-s <s>', 'per model: start no timed run after this many seconds (warm-up included; at least one is timed)', intOption(1))
  .option('--header', 'print the table header');

program.parse();
const o = program.opts<{ backend: BackendName; models: string; batch: number; warmup: number; steps: number; limitS?: number; header?: boolean }>();
const choice = await selectBackend(o.backend);
if (o.header) {
  console.log('| backend | device | model | batch | forward samples/s | forward GFLOP/s | train samples/s | train/forward per sample |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|');
}
for (const entry of o.models.split(',')) {
  const [name, argText] = entry.split(':');
  const model = buildModel(name, argText ? parseArgList(argText.replaceAll(';', ',')) : {});
  const flops = model.blocks.reduce((s, b) => s + b.flops, 0);
  const { fwdMs, trainMs, timed } = await timeModel(model, o.batch, o.warmup, o.steps, (o.limitS ?? Infinity) * 1000);
  const fwdRate = (1000 * o.batch) / fwdMs;
  const trainRate = (1000 * o.batch) / trainMs;
  const label = (argText ? `${name} (${argText})` : name) + (timed < o.steps ? ` [${timed} of ${o.steps} timed runs: time limit]` : '');
  console.log(`| ${choice.name} | ${choice.device} | ${label} | ${o.batch} | ${fwdRate.toFixed(1)} | ${((flops * fwdRate) / 1e9).toFixed(2)} | ${trainRate.toFixed(1)} | ${(trainMs / fwdMs).toFixed(2)} |`);
}
process.exit(0);
