/**
 * Pipeline efficiency (issue: runtime): a balanced S-stage straight pipeline's steady-state
 * throughput against the ideal 1 / (slowest stage's time measured alone).
 *
 *   node dist/bench/pipeline.js --model vgg16 --batch 32 --ranks 4 --backend wasm --microbatches 120 --cpus-per-rank 2
 *
 * Steps: (1) profile the model's blocks on the backend; (2) plan a straight split with the
 * PipeDream objective (no replication); (3) time each stage alone in this process (forward +
 * backward + optimizer step on one microbatch, median); (4) run the pipeline with `dynpipe launch`
 * (ranks pinned with taskset when --cpus-per-rank is given) and read the last stage's completions
 * from the rank logs, dropping the first 20% (warm-up); (5) efficiency = measured microbatches/s ×
 * max stage time alone. Prints one markdown row.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command, Option } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendName } from '../runtime/backend/select.js';
import { buildModel } from '../runtime/models/zoo.js';
import { parseArgList } from '../runtime/models/args.js';
import { initBlockParams, initStageParams, disposeParams } from '../runtime/models/params.js';
import { StageModule } from '../runtime/models/stage.js';
import { createOptimizer } from '../runtime/train/optimizer.js';
import { measureProfile } from '../profile/measure.js';
import { blocksFromProfile } from '../partitioner/cost.js';
import { planPartition } from '../partitioner/pipedream-dp.js';
import { toPlan } from '../partitioner/to-plan.js';
import { printPlan, stageRanges, type Plan } from '../runtime/plan/plan.js';
import type { ModelSpec } from '../runtime/models/block.js';
import { launchLocal } from '../runtime/launch/local-launcher.js';
import { cpuSetsFor } from '../runtime/cli/commands/launch.js';
import { readRankLogs } from '../runtime/log/rank-log-files.js';
import { intOption } from '../runtime/cli/options.js';

async function stageAloneMs(model: ModelSpec, range: [number, number], batch: number, isLast: boolean, reps: number): Promise<number> {
  const stage = new StageModule(model, range);
  let params = initStageParams(model, range, 0);
  const opt = createOptimizer({ optimizer: 'momentum', lr: 0.01, momentum: 0.9 });
  const x = stage.inputDtype === 'int32'
    ? tf.randomUniform([batch, ...stage.inputShape], 2, model.numClasses, 'int32', 1)
    : tf.randomUniform([batch, ...stage.inputShape], 0, 1, 'float32', 1);
  const y = tf.randomUniform([batch, ...model.labelShape], 0, model.numClasses, 'int32', 2);
  const dy = isLast ? null : tf.randomNormal([batch, ...stage.outputShape]);
  const times: number[] = [];
  for (let k = 0; k < reps + 2; k++) {
    const t0 = performance.now();
    let pending;
    if (isLast) {
      const r = stage.forwardLoss(params, x, y, { training: true });
      r.logits.dispose();
      await r.loss.data();
      r.loss.dispose();
      r.bufferUpdates.forEach((t) => t.dispose());
      pending = r.pending;
    } else {
      const r = stage.forward(params, x, { training: true });
      await r.y.data(); // the worker downloads activations to send them
      r.y.dispose();
      r.bufferUpdates.forEach((t) => t.dispose());
      pending = r.pending;
    }
    const { dx, grads } = stage.backward(pending, dy);
    if (dx && range[0] > 0) await dx.data();
    dx?.dispose();
    const next = opt.step(params, grads);
    for (const [key, t] of params) if (!next.has(key)) next.set(key, t);
    await next.values().next().value!.data();
    for (const [key, t] of params) if (next.get(key) !== t) t.dispose();
    disposeParams(grads);
    params = next;
    if (k >= 2) times.push(performance.now() - t0);
  }
  [x, y, dy].forEach((t) => t?.dispose());
  disposeParams(params);
  opt.dispose();
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

const program = new Command()
  .name('bench/pipeline')
  .description('balanced straight pipeline: steady-state throughput vs the slowest stage alone')
  .option('--model <name>', 'zoo model', 'vgg16')
  .option('--model-args <k=v,...>', 'model arguments')
  .option('--batch <n>', 'microbatch size', intOption(1), 32)
  .option('--ranks <n>', 'stages (one rank each)', intOption(1), 4)
  .addOption(new Option('--backend <name>').choices(['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']).default('wasm'))
  .option('--microbatches <n>', 'microbatches in the pipelined run', intOption(10), 120)
  .option('--cpus-per-rank <k>', 'pin rank r to cores [r*k, (r+1)*k)', intOption(1))
  .option('--reps <n>', 'timed repetitions per stage alone', intOption(1), 5)
  .option('--header', 'print the table header');
program.parse();
const o = program.opts<{ model: string; modelArgs?: string; batch: number; ranks: number; backend: BackendName; microbatches: number; cpusPerRank?: number; reps: number; header?: boolean }>();

const choice = await selectBackend(o.backend);
const model = buildModel(o.model, o.modelArgs ? parseArgList(o.modelArgs) : {});
const profile = await measureProfile(model, { batch: o.batch, warmup: 1, repeats: 3, backend: choice.name, device: choice.device, initParams: (b, i) => initBlockParams(b, i, 0) });
const result = planPartition({ blocks: blocksFromProfile(profile), batchSize: o.batch, ranks: o.ranks, bandwidthBytesPerS: 5e9, maxReplicas: 1, objective: { kind: 'pipedream' } });
const plan: Plan = toPlan(result, { model: profile.model, microbatchSize: o.batch });
const alone: number[] = [];
for (const [s, range] of stageRanges(plan).entries()) alone.push(await stageAloneMs(model, range, o.batch, s === plan.partition.length - 1, o.reps));
const dir = mkdtempSync(join(tmpdir(), 'dynpipe-bench-'));
const planPath = join(dir, 'plan.json');
writeFileSync(planPath, printPlan(plan));
const logDir = join(dir, 'logs');
const dataset = model.inputDtype === 'int32' ? 'synthetic-tokens' : 'synthetic-image';
await launchLocal({
  planPath, plan, numMinibatches: o.microbatches,
  workerArgs: ['--dataset', dataset, '--train-samples', String(Math.max(o.batch * 8, 1024)), '--backend', choice.name, '--log-dir', logDir],
  rendezvousTimeoutMs: 300_000, heartbeatTimeoutMs: 60_000, killGraceMs: 2000,
  cpuSets: o.cpusPerRank ? cpuSetsFor(o.ranks, o.cpusPerRank) : undefined,
  say: (l) => process.stderr.write(l + '\n'),
});
const last = plan.partition.length - 1;
const done = (await readRankLogs(logDir)).filter((r) => r.row === 'step' && r.stage === last).map((r) => r.time_ms).sort((a, b) => a - b);
const from = Math.floor(done.length * 0.2);
const perSecond = (1000 * (done.length - 1 - from)) / (done[done.length - 1] - done[from]);
const slowest = Math.max(...alone);
if (o.header) {
  console.log('| backend | model | batch | stages [blocks] | stage ms alone | ideal mb/s | measured mb/s | efficiency |');
  console.log('|---|---|---:|---|---|---:|---:|---:|');
}
console.log(`| ${choice.name}${o.cpusPerRank ? ` (${o.cpusPerRank} cores/rank)` : ''} | ${o.model}${o.modelArgs ? ` (${o.modelArgs})` : ''} | ${o.batch} | ${o.ranks} [${plan.partition.join(',')}] | ${alone.map((t) => t.toFixed(1)).join(' / ')} | ${(1000 / slowest).toFixed(2)} | ${perSecond.toFixed(2)} | ${((perSecond * slowest) / 1000).toFixed(3)} |`);
process.exit(0);
