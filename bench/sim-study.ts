/**
 * The simulator's scale study: `node dist/bench/sim-study.js [--out figures/results/sim]
 * [--iterations 1000] [--scales 8,32,128,512] [--cut-slack n] [--staleness-weight 0]`. Throughput and recovery of the four
 * modes at each scale under one interference trace; writes study.csv, trace.csv, the figures (PNG:
 * throughput over time, recovery, job time) and prints one line per run.
 *
 * Weak scaling, so one trace in seconds means the same thing at every scale: N ranks start on the
 * static hybrid plan of S stages x R replicas (8 = 8x1, 32 = 16x2, 128 = 32x4, 512 = 64x8) over a
 * uniform synthetic transformer of 4S blocks, 4 blocks per stage, microbatches of 8R samples; so
 * every rank computes 4 blocks of 8 samples per microbatch whatever N is. Per block and 8 samples:
 * forward 15 ms, backward 30 ms, 4 MiB of output activations (seq 128 x hidden 1024 floats per
 * sample); 25 MB of parameters per block; links 10 GB/s and 10 us; optimizer 200 GB/s of
 * parameters (an HBM-bound update). The modes run the coordinator's policies with `dynpipe launch`'s
 * defaults (window 20, simple threshold 0.25, dwell 5 s, 2 confirming windows, margin 0.2, dynpipe
 * objective with staleness weight 0) and at most R replicas per stage; simulated pauses take the
 * measured fixed costs (runtime/sim/pause.ts). Trace: rank 3's GPU
 * busy at intensity 1 (2x) in [30, 90) s, rank 5's at 0.5 (1.5x) in [120, 180) s.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { type BlockCost, BYTES_PER_GB } from '../partitioner/cost.js';
import { validatePlan } from '../runtime/plan/plan.js';
import { parseSchedule } from '../profile/interfere/schedule.js';
import { DEJAVU_FONT_FILES } from '../figures/fonts.js';
import { specToSvg, svgToPng } from '../figures/render.js';
import { DEFAULT_SLOWDOWN_MODEL, landInterference } from '../runtime/sim/interference.js';
import { CONTROLLER_COST_MS, SIM_MODES, type SimMode, changeKind, createPolicy } from '../runtime/sim/modes.js';
import { DEFAULT_PAUSE_FIXED_MS } from '../runtime/sim/pause.js';
import { completionTimes, simulationReport } from '../runtime/sim/report.js';
import { simulate } from '../runtime/sim/simulate.js';
import { type JobTimePoint, type RecoveryPoint, type ThroughputPoint, jobTimeSpec, recoverySpec, throughputOverTimeSpec } from './sim-study-figures.js';
import { flag } from './argv.js';

const out = resolve(flag('out', 'figures/results/sim'));
const iterations = Number(flag('iterations', '1000'));
const scales = flag('scales', '8,32,128,512').split(',').map(Number);
const cutSlack = process.argv.includes('--cut-slack') ? Number(flag('cut-slack', '')) : undefined;
const stalenessWeight = Number(flag('staleness-weight', '0'));
const TRACE = 't_start,t_end,kind,target,intensity\n30,90,gpu,3,1\n120,180,gpu,5,0.5\n';
const PHASES = [
  { name: 'quiet (10-30 s)', from: 10, to: 30 },
  { name: 'rank 3 at 2x (60-90 s)', from: 60, to: 90 },
  { name: 'rank 5 at 1.5x (150-180 s)', from: 150, to: 180 },
  { name: 'quiet again (200-220 s)', from: 200, to: 220 },
] as const;
const BIN_S = 5;
const network = { bandwidthBytesPerS: 10 * BYTES_PER_GB, latencyMs: 0.01 };
const costs = { network, optimizerBytesPerS: 200 * BYTES_PER_GB };

function shape(ranks: number): { stages: number; replicas: number } {
  const replicas = Math.round(Math.sqrt(ranks / 8));
  if (replicas * replicas * 8 !== ranks) throw new Error(`--scales: ${ranks} is not 8 r^2`);
  return { stages: ranks / replicas, replicas };
}

/** Completions per second in [from, to) s, times the microbatch size. */
function rate(completions: readonly number[], from: number, to: number, microbatch: number): number {
  const n = completions.filter((t) => t >= from * 1000 && t < to * 1000).length;
  return (n * microbatch) / (to - from);
}

mkdirSync(out, { recursive: true });
const rows: Array<Record<string, string | number>> = [];
const series: ThroughputPoint[] = [];
const recovery: RecoveryPoint[] = [];
const jobTime: JobTimePoint[] = [];
for (const ranks of scales) {
  const { stages, replicas } = shape(ranks);
  const microbatch = 8 * replicas;
  const perRows = microbatch / 8;
  const blocks: BlockCost[] = Array.from({ length: 4 * stages }, () => ({ forwardMs: 15 * perRows, backwardMs: 30 * perRows, activationBytes: 4 * 2 ** 20 * perRows, paramBytes: 25e6 }));
  const objective = { kind: 'dynpipe' as const, stalenessWeight };
  const plan = validatePlan({
    version: 1, model: { name: `synthetic-transformer-${4 * stages}` }, num_blocks: 4 * stages, partition: new Array(stages).fill(4),
    stage_to_rank_map: Object.fromEntries(Array.from({ length: stages }, (_, k) => [String(k), Array.from({ length: replicas }, (_, i) => k * replicas + i)])),
    microbatch_size: microbatch,
  });
  const landed = landInterference(parseSchedule(TRACE, 'trace'), DEFAULT_SLOWDOWN_MODEL, ranks);
  let quiet = NaN;
  let staticMs = NaN;
  for (const mode of SIM_MODES as readonly SimMode[]) {
    const kind = changeKind(mode);
    const pause = { kind, fixedMs: DEFAULT_PAUSE_FIXED_MS[kind], bandwidthBytesPerS: network.bandwidthBytesPerS };
    const policy = createPolicy(mode, {
      simpleThreshold: 0.25, dwellMs: 5000, confirmWindows: 2, margin: 0.2, horizonIterations: iterations, objective,
      bandwidthBytesPerS: network.bandwidthBytesPerS, maxReplicas: replicas, controllerCostMs: CONTROLLER_COST_MS[kind], optimizerSlots: 1,
    });
    const c0 = process.cpuUsage();
    const result = simulate({ plan, blocks, costs, interference: landed, slowdownModel: DEFAULT_SLOWDOWN_MODEL, microbatches: iterations, windowMicrobatches: 20, policy, pause, cutSlack });
    const cpu = process.cpuUsage(c0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const report = simulationReport(result);
    const done = completionTimes(result);
    const phase = PHASES.map((p) => rate(done, p.from, p.to, microbatch));
    if (mode === 'pipedream') {
      quiet = phase[0];
      staticMs = result.endMs;
    }
    jobTime.push({ ranks, mode, relative: result.endMs / staticMs });
    for (let t = 0; t + BIN_S <= result.endMs / 1000; t += BIN_S) series.push({ ranks, mode, t_s: t + BIN_S / 2, throughput: rate(done, t, t + BIN_S, microbatch) / quiet });
    recovery.push({ ranks, mode, phase: PHASES[1].name, recovery: phase[1] / quiet }, { ranks, mode, phase: PHASES[2].name, recovery: phase[2] / quiet });
    rows.push({
      ranks, stages: plan.partition.length, replicas, mode, duration_s: +(result.endMs / 1000).toFixed(3),
      throughput: +(report.throughput_samples_per_s ?? 0).toFixed(2), ...Object.fromEntries(PHASES.map((p, k) => [p.name, +(phase[k] / quiet).toFixed(3)])),
      repartitions: report.repartitions.length, pause_s: +(report.repartitions.reduce((s, r) => s + r.pause_ms, 0) / 1000).toFixed(3),
      bubble: +report.bubble_fraction.toFixed(4), events: report.events,
    });
    process.stdout.write(`${ranks} ranks ${mode}: ${report.events} events in ${cpuS.toFixed(2)} s CPU, ${report.repartitions.length} repartitions, phases ${phase.map((x) => (x / quiet).toFixed(3)).join(' / ')}\n`);
  }
}
writeFileSync(join(out, 'trace.csv'), TRACE);
writeFileSync(join(out, 'study.csv'), stringify(rows, { header: true }));
const spans = [
  { start_s: 30, end_s: 90, label: 'rank 3 2x' },
  { start_s: 120, end_s: 180, label: 'rank 5 1.5x' },
];
for (const [name, spec] of [['throughput-over-time', throughputOverTimeSpec(series, spans)], ['recovery', recoverySpec(recovery)], ['job-time', jobTimeSpec(jobTime)]] as const) {
  const svg = await specToSvg(spec);
  writeFileSync(join(out, `${name}.png`), svgToPng(svg, { fontFiles: DEJAVU_FONT_FILES, scale: 2 }));
  process.stdout.write(`wrote ${join(out, `${name}.png`)}\n`);
}
