/**
 * `dynpipe demo`: the whole story in one command on this machine. A 4-rank pipeline of
 * mlp(hidden 512, 7 hidden layers: 8 blocks of similar cost) split [2, 2, 2, 2] on Fashion-MNIST
 * if installed, else synthetic images; from 30% to 70% of the microbatches ranks 0 and 1 are slowed
 * about 2x; `--mode dynpipe` notices and moves blocks to ranks 2 and 3, and back after the burst.
 *
 * The burst (`--burst`): `cpu` runs real busy processes pinned to the cores of ranks 0 and 1 (ranks
 * pinned 0,0,1,1 on 2-3 cores, 0,1,2,3 on 4 or more). That only slows ranks 0 and 1 on a quiet
 * machine: on a busy shared one (measured on the 2-core dev box at load 9-13) the kernel moves the
 * other users' work off the burst's core onto ranks 2 and 3, which then slow down instead (1.5x,
 * while ranks 0 and 1 measured 1.0x). `emulated` makes ranks 0 and 1 sleep after each compute for
 * as long as it took (worker/bench-slowdown.ts), a 2x slowdown whatever else runs. `auto` (the
 * default) picks cpu unless the 1-minute load reaches twice the cores, and says why.
 *
 * Why this workload: with eight similar blocks, [2, 2, 2, 2] is the best plan when nothing
 * interferes, and the next best ones are within the controller's 10 % noise margin, so noise alone
 * does not move it; under the burst, [1, 1, 3, 3] is predicted about 25 % faster, well past the
 * margin, and the controller needs two consecutive windows agreeing before it acts. (The earlier
 * tinycnn demo had 5 blocks of very uneven cost priced by FLOPs within a stage, and sometimes
 * migrated before the burst.)
 *
 * The burst follows training progress, not the clock, so it lands in the middle of the run however
 * loaded the machine is. At the end: a summary computed from the rank logs (demo-report.ts) and
 * DIR/iteration-time.png (+ .svg) with the burst shaded and each migration marked.
 */
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { parseCpuMap } from '../../launch/cpu-map.js';
import { summarizeRun } from '../../log/summarize.js';
import { printSummary, SUMMARY_FILE_NAME } from '../../log/summary.js';
import { straightPlan } from '../../plan/plan.js';
import type { InterfererSpec } from '../../../predictor/mix.js';
import { findOnPath } from '../../../profile/interfere/spawn.js';
import { drawFigures } from '../../experiment/draw-figures.js';
import { runMode } from '../../experiment/run-mode.js';
import type { InterferenceSchedule } from '../../experiment/interference-driver.js';
import { defaultDatasetName } from '../default-dataset.js';
import { demoReport, formatDemoReport } from '../demo-report.js';
import { createProgress } from '../progress.js';
import type { PolicyFlags } from '../repartition-setup.js';

/** Microbatches of a run and the controller's window (microbatches) at each scale. */
export const DEMO_SCALES = {
  small: { microbatches: 100, window: 6 },
  full: { microbatches: 240, window: 10 },
} as const;
export type DemoScale = keyof typeof DEMO_SCALES;

export const DEMO_MODEL = { name: 'mlp', args: { hidden: 512, layers: 7 } };
export const DEMO_PARTITION = [2, 2, 2, 2];

/** The burst covers last-stage completions in [BURST_FROM, BURST_TO) of the run. */
const BURST_FROM = 0.3;
const BURST_TO = 0.7;

interface DemoFlags {
  out: string;
  scale: DemoScale;
  mode: 'dynpipe' | 'pipedream';
  progress?: boolean;
  backend: string;
  verbose?: boolean;
  burst: 'auto' | 'cpu' | 'emulated';
}

/** The controller's flags in the demo (see the module comment): two agreeing windows, 10 % noise margin. */
function demoPolicy(mode: DemoFlags['mode'], window: number): PolicyFlags {
  return {
    mode, window, warmupWindows: 1, confirmWindows: 2, dwellMs: 3000, margin: 0.2, noise: 0.1, simpleThreshold: 0.25,
    bandwidth: 1, maxReplicas: 1, objective: 'dynpipe', stalenessWeight: 0, policy: true, changeAt: [], migrationTimeoutMs: 120_000,
  };
}

/** Where the ranks run and what the burst is: see the module comment. */
export interface DemoSetup {
  /** taskset core list per rank ('0,0,1,1'); undefined: unpinned. */
  cpuMap?: string;
  burst: 'cpu' | 'emulated';
  /** Why this burst, in words. */
  why: string;
}

/**
 * The burst `auto` picks: a real one (busy processes pinned beside ranks 0 and 1) when the machine
 * is quiet enough that the kernel has little other work to move off those cores onto ranks 2 and 3
 * (1-min load below twice the cores: on the 2-core dev box the real burst slowed ranks 0 and 1 by
 * 1.5x at load 3.3, and ranks 2 and 3 instead at load 9-13), else an emulated one. Pure.
 */
export function demoSetup(asked: DemoFlags['burst'], cores: number, load1: number, canPin: boolean): DemoSetup {
  const cpuMap = !canPin || cores < 2 ? undefined : cores >= 4 ? '0,1,2,3' : '0,0,1,1';
  const busy = load1 >= 2 * cores;
  if (asked === 'cpu') return { cpuMap, burst: 'cpu', why: 'asked for (--burst cpu)' };
  if (asked === 'emulated') return { cpuMap, burst: 'emulated', why: 'asked for (--burst emulated)' };
  if (cpuMap === undefined) return { cpuMap, burst: 'emulated', why: 'ranks cannot be pinned (taskset missing or one core), so a real burst could not target ranks 0 and 1' };
  if (busy) {
    return {
      cpuMap, burst: 'emulated',
      why: `load average ${load1.toFixed(1)} on ${cores} cores: the kernel would move that other work off the burst's core onto ranks 2 and 3 (--burst cpu to try anyway)`,
    };
  }
  return { cpuMap, burst: 'cpu', why: `the machine is quiet (load average ${load1.toFixed(1)} on ${cores} cores)` };
}

function burstSchedule(setup: DemoSetup, from: number, to: number): InterferenceSchedule {
  if (setup.burst === 'emulated') return { kind: 'emulated', bursts: [{ ranks: [0, 1], factor: 2, fromMicrobatch: from, toMicrobatch: to }] };
  // two busy processes per rank core when two ranks share it, one when each rank has its own
  const specs: InterfererSpec[] = setup.cpuMap === '0,1,2,3' ? [{ kind: 'cpu', intensity: 1, cores: [0, 1] }] : [0, 1].map(() => ({ kind: 'cpu', intensity: 1, cores: [0] }));
  return { kind: 'progress', phases: [{ fromMicrobatch: from, toMicrobatch: to, specs }] };
}

async function run(f: DemoFlags): Promise<void> {
  const scale = DEMO_SCALES[f.scale];
  const out = resolve(f.out);
  const logDir = join(out, 'logs');
  const plan = straightPlan({ model: DEMO_MODEL, partition: DEMO_PARTITION, microbatchSize: 32, training: { optimizer: 'momentum', lr: 0.01, momentum: 0.9, seed: 0 } });
  const say = (line: string): void => void process.stderr.write(line + '\n');
  const setup = demoSetup(f.burst, availableParallelism(), loadavg()[0], findOnPath('taskset') !== null);
  const dataset = defaultDatasetName(undefined, undefined, say);
  const from = Math.ceil(scale.microbatches * BURST_FROM);
  const to = Math.ceil(scale.microbatches * BURST_TO);
  const burstText = setup.burst === 'cpu' ? `busy processes pinned beside ranks 0 and 1` : `ranks 0 and 1 compute 2x slower (emulated)`;
  say(
    `dynpipe demo: 4 ranks (${setup.cpuMap ? `cores ${setup.cpuMap}` : 'unpinned'}), stages [${plan.partition.join(', ')}] of mlp(hidden 512, 7 layers) on ${dataset}, ` +
      `${scale.microbatches} microbatches, mode ${f.mode}\n  burst for microbatches [${from}, ${to}): ${burstText}; ${setup.why}`,
  );
  const bar = createProgress('demo', scale.microbatches, { enabled: f.progress, fields: 'loss {loss} plan v{version} {phase}' });
  const result = await runMode({
    dir: logDir,
    mode: f.mode,
    workload: { plan, dataset, backend: f.backend, microbatches: scale.microbatches, trainSamples: scale.microbatches * 32, pinning: setup.cpuMap ? parseCpuMap(setup.cpuMap, 4) : undefined },
    interference: burstSchedule(setup, from, to),
    policy: demoPolicy(f.mode, scale.window),
    onProgress: (p) => bar.update(p.completed, { loss: p.loss.toFixed(4), version: p.planVersion, phase: p.interference ? 'burst' : 'quiet' }),
    say: (line) => (f.verbose ? say(line) : undefined),
  }).finally(() => bar.stop());
  await writeFile(join(logDir, SUMMARY_FILE_NAME), printSummary(summarizeRun(result.rows, { mode: f.mode, model: plan.model.name, microbatchSize: plan.microbatch_size })));
  const figures = await drawFigures([logDir], ['iteration-time'], out, { windowIterations: 4, say });
  process.stdout.write(`${formatDemoReport(demoReport(result.rows, plan.microbatch_size))}\n`);
  for (const path of figures.written) process.stdout.write(`figure: ${path}\n`);
  process.stdout.write(`logs: ${logDir} (rank CSVs, summary.json, decisions.csv)\n`);
  if (result.run.changes.length === 0 && f.mode === 'dynpipe') say('dynpipe demo: the controller did not migrate in this run (its decisions, with reasons, are in logs/decisions.csv)');
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('4-rank pipeline on this machine with an interference burst on ranks 0 and 1 part-way; dynpipe migrates; prints a summary and draws iteration-time.png')
    .option('--out <dir>', 'where logs/ (rank CSVs, summary.json, decisions.csv) and iteration-time.png/.svg go', 'dynpipe-demo')
    .addOption(new Option('--scale <scale>', `small: ${DEMO_SCALES.small.microbatches} microbatches (CI); full: ${DEMO_SCALES.full.microbatches}`).choices(['small', 'full']).default('full'))
    .addOption(new Option('--mode <mode>', 'dynpipe: live migration; pipedream: the static plan, for comparison').choices(['dynpipe', 'pipedream']).default('dynpipe'))
    .addOption(new Option('--backend <name>', 'compute backend of every rank').choices(['wasm', 'cpu', 'webgpu', 'auto']).default('wasm'))
    .addOption(new Option('--burst <kind>', 'cpu: real busy processes pinned beside ranks 0 and 1; emulated: ranks 0 and 1 compute 2x slower (a sleep after each compute); auto: cpu on a quiet machine, else emulated').choices(['auto', 'cpu', 'emulated']).default('auto'))
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .option('--verbose', 'stream every worker line')
    .action((f: DemoFlags) => run(f));
}
