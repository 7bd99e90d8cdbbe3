/**
 * Repartitioning benchmark: `node dist/bench/repartition.js [--out DIR] [--backend cpu]
 * [--hidden 128] [--layers 7] [--input 8] [--microbatch 16] [--warm 100] [--phase 150] [--factor 2]
 * [--modes pipedream,simple,dynpipe-re,dynpipe] [--cpus-per-rank k] [--costs profile|calibrate]`. Prints a markdown table; writes every run's
 * logs, the throughput over time of each mode (throughput.csv) and summary.json to DIR.
 *
 * Scenario: a 4-rank straight pipeline of an mlp (layers + 1 blocks, on input x input images so
 * that its blocks cost about the same) on this machine. Microbatches
 * [0, warm) run undisturbed; in [warm, warm + phase) rank 1 computes `factor` times slower, in
 * [warm + phase, warm + 2 phase) rank 2 does (the worker's bench hook, DYNPIPE_BENCH_SLOW, which
 * sleeps: see runtime/worker/bench-slowdown.ts). Spans are in microbatches so every mode meets the
 * same interference on the same work.
 *
 * Block costs (`--costs`): `profile` (default) measures each block alone (`dynpipe profile`) and
 * hands the profile to the planner and to every mode (`--profile`); `calibrate` splits the stage
 * times of an undisturbed run of an even split by FLOPs, as the controller does without a profile.
 * The planner then gives the best static plan for "rank 1 slowed" and "rank 2 slowed", each run
 * under its constant slowdown: their steady throughput is what a mode should recover to. An
 * undisturbed run of the even split gives the reference base throughput.
 * Metrics per mode and phase: recovery = steady throughput (second half of the phase) / the
 * reference, time until the run sustains 90 % of the reference for the rest of the phase
 * (windows of 20 microbatches; n/a: not by the phase's end), and per plan change the pause at stage 0 in
 * iteration times (the median microbatch interval before the change). On a machine whose
 * background load drifts between runs, "normalized" recovery compares ratios within each run
 * instead: (phase / the run's own undisturbed throughput) / (reference / the calibration run's).
 *
 * Pause comparison (run first): the same scripted change (base plan -> the rank-1 plan at
 * microbatch `warm`, no interference, no policy) applied live (dynpipe) and by checkpoint and
 * restart (dynpipe-re). The modes then start with these measured pauses as their migration cost
 * (`--migration-cost-ms`), as the controller would after its first change.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModel } from '../runtime/models/zoo.js';
import { type Plan, printPlan, straightPlan } from '../runtime/plan/plan.js';
import { readRankLogs } from '../runtime/log/rank-log-files.js';
import type { RankLogRow } from '../runtime/log/rank-log.js';
import { calibratedBlockCosts, profileBlockCosts } from '../runtime/coordinator/block-costs.js';
import { parseProfile } from '../profile/format.js';
import type { RankWindow } from '../runtime/coordinator/rank-stats.js';
import { planPartition } from '../partitioner/pipedream-dp.js';
import { toPlan } from '../partitioner/to-plan.js';
import { completions, iterationMsBefore, rangeThroughput, recoveryMs, throughputBins } from './repartition-metrics.js';
import { flag, intFlag } from './argv.js';

const CLI = fileURLToPath(new URL('../runtime/cli/dynpipe.js', import.meta.url));
const MODES = ['pipedream', 'simple', 'dynpipe-re', 'dynpipe'] as const;

const out = resolve(flag('out', '/tmp/dynpipe-bench-repartition'));
const backend = flag('backend', 'cpu');
const hidden = intFlag('bench/repartition', 'hidden', 128);
const layers = intFlag('bench/repartition', 'layers', 7);
const input = intFlag('bench/repartition', 'input', 8);
const microbatch = intFlag('bench/repartition', 'microbatch', 16);
const warm = intFlag('bench/repartition', 'warm', 100);
const phase = intFlag('bench/repartition', 'phase', 150);
const factor = Number(flag('factor', '2'));
const modes = flag('modes', MODES.join(',')).split(',') as Array<(typeof MODES)[number]>;
const costSource = flag('costs', 'profile');
if (costSource !== 'profile' && costSource !== 'calibrate') {
  process.stderr.write(`bench/repartition: --costs must be profile or calibrate, got '${costSource}'\n`);
  process.exit(2);
}
const pinning = process.argv.includes('--cpus-per-rank') ? ['--cpus-per-rank', String(intFlag('bench/repartition', 'cpus-per-rank', 1))] : [];
const total = warm + 2 * phase;
const ranks = 4;
const modelArgs = { hidden, layers, inputHeight: input, inputWidth: input };
const training = { optimizer: 'momentum' as const, lr: 0.01, momentum: 0.9, weight_decay: 0, seed: 1 };
const data = ['--dataset', 'synthetic-image', '--train-samples', String(Math.max(2048, 4 * microbatch)), '--backend', backend];

function run(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  const t0 = Date.now();
  process.stderr.write(`bench/repartition: ${name} ...`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.resume();
    child.on('close', (code) => {
      process.stderr.write(` ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      if (code === 0) resolvePromise();
      else reject(new Error(`${name} failed (${code}): ${err.split('\n').slice(-5).join(' | ')}`));
    });
  });
}

function writePlan(name: string, plan: Plan): string {
  const path = join(out, `${name}.json`);
  writeFileSync(path, printPlan(plan));
  return path;
}

async function launch(name: string, planPath: string, mbs: number, slow: string, extra: string[] = []): Promise<RankLogRow[]> {
  const logs = join(out, name, 'logs');
  await run(name, ['launch', '--plan', planPath, '--num-minibatches', String(mbs), ...data, '--log-dir', logs, '--quiet', ...pinning, ...extra], slow ? { DYNPIPE_BENCH_SLOW: slow } : {});
  return readRankLogs(logs);
}

/** Per-rank means of step rows over microbatches [a, b), as the coordinator's windows would be. */
function windowsOf(rows: readonly RankLogRow[], a: number, b: number): RankWindow[] {
  const by = new Map<number, { stage: number; n: number; compute: number; rows: number }>();
  for (const r of rows) {
    if (r.row !== 'step' || r.microbatch < a || r.microbatch >= b) continue;
    const s = by.get(r.rank) ?? { stage: r.stage, n: 0, compute: 0, rows: 0 };
    s.n++;
    s.compute += r.forward_ms + r.backward_ms + r.optimizer_ms;
    s.rows += microbatch;
    by.set(r.rank, s);
  }
  return [...by].map(([rank, s]) => ({ rank, stage: s.stage, microbatches: s.n, computeMs: s.compute / s.n, waitMs: 0, sendWaitMs: 0, windowMs: 0, rows: s.rows / s.n }));
}

function fmt(x: number | undefined, digits = 2): string {
  return x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits);
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const model = buildModel('mlp', modelArgs);
  const blocks = model.blocks.length;
  const even = straightPlan({ model: { name: 'mlp', args: modelArgs }, partition: evenSplit(blocks, ranks), microbatchSize: microbatch, training });
  const calib = await launch('ref-calibrate', writePlan('plan-even', even), warm, '');
  const profilePath = join(out, 'profile.json');
  let costs = calibratedBlockCosts(model, even, windowsOf(calib, Math.floor(warm / 3), warm));
  if (costSource === 'profile') {
    const args = Object.entries(modelArgs).flatMap(([k, v]) => ['--arg', `${k}=${v}`]);
    await run('profile', ['profile', '--model', 'mlp', ...args, '--batch', String(microbatch), '--backend', backend, '--warmup', '5', '--repeats', '15', '--out', profilePath]);
    costs = profileBlockCosts(parseProfile(readFileSync(profilePath, 'utf8'), profilePath), model, microbatch);
  }
  const best = (slowdown: number[]): Plan =>
    toPlan(planPartition({ blocks: costs, batchSize: microbatch, ranks, bandwidthBytesPerS: 1e9, slowdown, maxReplicas: 1, objective: { kind: 'dynpipe', stalenessWeight: 0 } }), { model: { name: 'mlp', args: modelArgs }, microbatchSize: microbatch, training });
  const base = best([1, 1, 1, 1]);
  const slowed = [best([1, factor, 1, 1]), best([1, 1, factor, 1])];
  const basePath = writePlan('plan-base', base);
  const baseRef = rangeThroughput(completions(calib), Math.floor(warm / 3), warm, microbatch);
  const refs: number[] = [];
  for (const [k, p] of slowed.entries()) {
    const rows = await launch(`ref-rank${k + 1}`, writePlan(`plan-rank${k + 1}-slowed`, p), phase, `${k + 1}:${factor}:0mb-`);
    refs.push(rangeThroughput(completions(rows), Math.floor(phase / 3), phase, microbatch));
  }
  const pauseOf: Record<string, number> = {};
  for (const mode of ['dynpipe', 'dynpipe-re'] as const) {
    const extra = ['--mode', mode, '--no-policy', '--change-at', `${warm}:${join(out, 'plan-rank1-slowed.json')}`];
    if (mode === 'dynpipe-re') extra.push('--checkpoint-dir', join(out, `pause-${mode}`, 'ckpt'));
    const rows = await launch(`pause-${mode}`, basePath, warm + 50, '', extra);
    const change = rows.find((r): r is Extract<RankLogRow, { row: 'repartition' }> => r.row === 'repartition' && r.rank === 0);
    if (change) pauseOf[mode] = change.pause_ms;
  }

  const slow = `1:${factor}:${warm}mb-${warm + phase}mb,2:${factor}:${warm + phase}mb-${total}mb`;
  const summary: Record<string, unknown> = { machine: 'see BENCHMARKS.md', costs: costSource, hidden, layers, input, microbatch, warm, phase, factor, base: base.partition, slowed: slowed.map((p) => p.partition), baseRef, refs, scriptedPauseMs: pauseOf };
  const table = [
    `| mode | base samples/s | phase 1 recovery (normalized) | phase 1 time to 90 % (s) | phase 2 recovery (normalized) | phase 2 time to 90 % (s) | changes | pause at stage 0 (ms) | pause / iteration |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const bins: string[] = ['mode,time_s,samples_per_s'];
  for (const mode of modes) {
    const extra = mode === 'pipedream' ? [] : ['--mode', mode, '--window', '20', '--warmup-windows', '2', '--dwell-ms', '2000', '--decision-log', join(out, mode, 'decisions.csv')];
    if (mode !== 'pipedream' && costSource === 'profile') extra.push('--profile', profilePath);
    if (mode === 'dynpipe-re') extra.push('--checkpoint-dir', join(out, mode, 'ckpt'));
    const measured = pauseOf[mode === 'dynpipe-re' ? 'dynpipe-re' : 'dynpipe'];
    if (mode !== 'pipedream' && measured !== undefined) extra.push('--migration-cost-ms', measured.toFixed(1));
    const rows = await launch(mode, basePath, total, slow, extra);
    const c = completions(rows);
    for (const b of throughputBins(c, 1000, microbatch)) bins.push(`${mode},${b.timeS},${b.samplesPerS.toFixed(2)}`);
    const own = rangeThroughput(c, Math.floor(warm / 3), warm, microbatch);
    const phases = [0, 1].map((k) => {
      const a = warm + k * phase;
      const steady = rangeThroughput(c, a + Math.floor(phase / 2), a + phase, microbatch);
      const t90 = recoveryMs(c, a, a + phase, 0.9 * refs[k], microbatch, 20);
      return { steady, recovery: steady / refs[k], normalized: steady / own / (refs[k] / baseRef), t90S: t90 === undefined ? undefined : t90 / 1000 };
    });
    const changes = rows.filter((r): r is Extract<RankLogRow, { row: 'repartition' }> => r.row === 'repartition' && r.rank === 0);
    const pauses = changes.map((r) => ({ at: r.iteration ?? 0, pauseMs: r.pause_ms, iterations: r.pause_ms / iterationMsBefore(c, r.iteration ?? 0, 20) }));
    summary[mode] = { baseThroughput: own, phases, pauses };
    const meanPause = pauses.length ? pauses.reduce((s, p) => s + p.pauseMs, 0) / pauses.length : undefined;
    const meanIter = pauses.length ? pauses.reduce((s, p) => s + p.iterations, 0) / pauses.length : undefined;
    table.push(
      `| ${mode} | ${fmt(own, 1)} | ${fmt(phases[0].recovery)} (${fmt(phases[0].normalized)}) | ${fmt(phases[0].t90S, 1)} | ${fmt(phases[1].recovery)} (${fmt(phases[1].normalized)}) | ${fmt(phases[1].t90S, 1)} | ${changes.length} | ${fmt(meanPause, 1)} | ${fmt(meanIter, 1)} |`,
    );
  }

  writeFileSync(join(out, 'throughput.csv'), bins.join('\n') + '\n');
  writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  process.stdout.write(
    `mlp hidden=${hidden} layers=${layers} input ${input}x${input} (${blocks} blocks), microbatch ${microbatch}, ${ranks} ranks, backend ${backend}; base plan [${base.partition.join(', ')}], ` +
      `best static plans [${slowed[0].partition.join(', ')}] (rank 1 x${factor}) and [${slowed[1].partition.join(', ')}] (rank 2 x${factor}), ` +
      `their throughput ${refs.map((r) => r.toFixed(1)).join(' and ')} samples/s\n\n${table.join('\n')}\n`,
  );
  if (pauseOf.dynpipe !== undefined && pauseOf['dynpipe-re'] !== undefined) {
    process.stdout.write(
      `\nscripted change [${base.partition.join(', ')}] -> [${slowed[0].partition.join(', ')}] at microbatch ${warm}, pause at stage 0: ` +
        `live ${pauseOf.dynpipe.toFixed(1)} ms, restart ${pauseOf['dynpipe-re'].toFixed(1)} ms (${(pauseOf['dynpipe-re'] / pauseOf.dynpipe).toFixed(0)}x)\n`,
    );
  }
}

function evenSplit(blocks: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, k) => Math.floor(((k + 1) * blocks) / parts) - Math.floor((k * blocks) / parts));
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/repartition: ${(e as Error).message}\n`);
  process.exit(1);
});
