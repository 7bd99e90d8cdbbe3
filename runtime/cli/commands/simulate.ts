/**
 * `dynpipe simulate`: runs a plan, a schedule and a repartitioning mode through the discrete-event
 * simulator (runtime/sim/) with block times from a profile and slowdowns from an interference trace, and
 * writes the run as rank logs + summaries; with --validate LOGDIR it replays a measured run instead
 * and prints simulated vs measured time per microbatch, window by window. A thin shell: flags ->
 * config -> simulate -> files.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Command, Option } from 'commander';
import { DynpipeError } from '../../errors.js';
import { readRankLogs } from '../../log/rank-log-files.js';
import { isStep } from '../../log/metrics.js';
import { type Plan, parsePlan, worldSize } from '../../plan/plan.js';
import type { RankLogRow } from '../../log/rank-log.js';
import { type BlockCost, BYTES_PER_GB } from '../../../partitioner/cost.js';
import { parseProfile } from '../../../profile/format.js';
import { parseSchedule } from '../../../profile/interfere/schedule.js';
import { calibrateBlocks } from '../../sim/calibrate.js';
import { type CostModel, profileBlockCosts } from '../../sim/costs.js';
import { optimizerSlots } from '../../coordinator/migration-cost.js';
import { type SlowdownModel, landInterference } from '../../sim/interference.js';
import { rankRows } from '../../sim/log-rows.js';
import { CONTROLLER_COST_MS, SIM_MODES, type SimMode, changeKind, createPolicy } from '../../sim/modes.js';
import { DEFAULT_PAUSE_FIXED_MS } from '../../sim/pause.js';
import { simulationReport } from '../../sim/report.js';
import { type SimulationConfig, type SimulationResult, simulate } from '../../sim/simulate.js';
import { compareRuns, formatComparison } from '../../sim/validate.js';
import { floatOption, intOption } from '../options.js';
import { progressBar } from '../progress-bar.js';
import { readText, writeText } from '../text-files.js';
import { writeSimulation } from '../simulate-output.js';

/** Defaults measured in BENCHMARKS.md: ipc transport, 1 MiB messages and 4 KiB p50 latency (GPU node). */
export const DEFAULT_BANDWIDTH_GBPS = 1.86;
export const DEFAULT_LATENCY_MS = 0.132;
/** Momentum-SGD update rate on wasm, parameter GB per second (BENCHMARKS.md, simulator section: the mlp-r2 run). */
export const DEFAULT_OPTIMIZER_GBPS = 0.4;

interface SimulateFlags {
  profile?: string;
  plan?: string;
  interference?: string;
  mode: SimMode;
  iterations: number;
  out?: string;
  validate?: string;
  validateWindow: number;
  calibrate?: boolean;
  calibrateSkip: number;
  calibrateUntil?: number;
  window: number;
  bandwidth: number;
  latencyMs: number;
  optimizerGbps: number;
  cpuSlowdown: number;
  membwSlowdown: number;
  gpuSlowdown: number;
  coresPerRank: number;
  ranksPerGpu: number;
  seed: number;
  pauseFixedMs?: number;
  migrationCostMs?: number;
  migrationBandwidth?: number;
  simpleThreshold: number;
  dwellMs: number;
  confirmWindows: number;
  margin: number;
  horizon?: number;
  maxReplicas: number;
  objective: 'pipedream' | 'dynpipe';
  stalenessWeight: number;
  cutSlack?: number;
  rankLogs: boolean;
  progress?: boolean;
}

/** A file given by flag, else `name` inside the validated run's directory if it is there. */
function inputPath(flag: string, given: string | undefined, runDir: string | undefined, name: string, required: boolean): string | undefined {
  if (given !== undefined) return given;
  if (runDir !== undefined && existsSync(join(runDir, name))) return join(runDir, name);
  if (required) throw new DynpipeError('E_USAGE', `simulate: give ${flag}${runDir !== undefined ? ` (or put ${name} in ${runDir})` : ''}`);
  return undefined;
}

/** Block costs from the profile, calibrated to `measured` rows when given (validation). */
function blockCosts(f: SimulateFlags, plan: Plan, measured?: readonly RankLogRow[]): { blocks: BlockCost[]; optimizerBytesPerS: number; profilePath: string } {
  const profilePath = inputPath('--profile', f.profile, f.validate, 'profile.json', true)!;
  const profile = parseProfile(readText(profilePath), profilePath);
  const blocks = profileBlockCosts(profile, plan.microbatch_size);
  if (blocks.length !== plan.num_blocks) throw new DynpipeError('E_USAGE', `simulate: the plan splits ${plan.num_blocks} blocks, but ${profilePath} has ${blocks.length}`);
  if (!measured) return { blocks, optimizerBytesPerS: f.optimizerGbps * BYTES_PER_GB, profilePath };
  const c = calibrateBlocks(plan, blocks, measured, f.calibrateSkip, f.calibrateUntil);
  const stages = c.stages.map((x, k) => `stage ${k} f ${x.forwardMs.toFixed(1)} b ${x.backwardMs.toFixed(1)} opt ${x.optimizerMs.toFixed(1)} ms`).join(', ');
  process.stderr.write(`simulate: calibrated to the measured run: ${stages}\n`);
  return { blocks: c.blocks, optimizerBytesPerS: c.optimizerBytesPerS, profilePath };
}

function configOf(f: SimulateFlags, plan: Plan, microbatches: number, onProgress: (n: number) => void, measured?: readonly RankLogRow[]): { config: SimulationConfig; settings: Record<string, unknown> } {
  const { blocks, optimizerBytesPerS, profilePath } = blockCosts(f, plan, measured);
  const tracePath = inputPath('--interference', f.interference, f.validate, 'interference.csv', false);
  const slowdownModel: SlowdownModel = {
    fullIntensity: { cpu: f.cpuSlowdown, membw: f.membwSlowdown, gpu: f.gpuSlowdown },
    coresPerRank: f.coresPerRank, ranksPerGpu: f.ranksPerGpu, net: { baseMs: 5, perMbMs: 2, jitterMs: 2 }, seed: f.seed,
  };
  const interference = tracePath === undefined ? [] : landInterference(parseSchedule(readText(tracePath), tracePath), slowdownModel, worldSize(plan), tracePath);
  const costs: CostModel = { network: { bandwidthBytesPerS: f.bandwidth * BYTES_PER_GB, latencyMs: f.latencyMs }, optimizerBytesPerS };
  const kind = changeKind(f.mode);
  const pause = { kind, fixedMs: f.pauseFixedMs ?? DEFAULT_PAUSE_FIXED_MS[kind], bandwidthBytesPerS: (f.migrationBandwidth ?? f.bandwidth) * BYTES_PER_GB };
  const controllerCostMs = f.migrationCostMs ?? CONTROLLER_COST_MS[kind];
  const policy = createPolicy(f.mode, {
    simpleThreshold: f.simpleThreshold, dwellMs: f.dwellMs, confirmWindows: f.confirmWindows, margin: f.margin, horizonIterations: f.horizon ?? microbatches,
    objective: f.objective === 'pipedream' ? { kind: 'pipedream' } : { kind: 'dynpipe', stalenessWeight: f.stalenessWeight },
    bandwidthBytesPerS: f.bandwidth * BYTES_PER_GB, maxReplicas: f.maxReplicas, controllerCostMs, optimizerSlots: optimizerSlots(plan.training.optimizer),
  });
  const config: SimulationConfig = { plan, blocks, costs, interference, slowdownModel, microbatches, windowMicrobatches: f.window, policy, pause, cutSlack: f.cutSlack, onProgress };
  const settings = {
    profile: profilePath, interference: tracePath ?? null, microbatches, window: f.window, bandwidth_gbps: f.bandwidth, latency_ms: f.latencyMs,
    optimizer_gbps: optimizerBytesPerS / BYTES_PER_GB, calibrated: measured !== undefined, slowdown_at_full_intensity: slowdownModel.fullIntensity, cores_per_rank: f.coresPerRank, ranks_per_gpu: f.ranksPerGpu,
    seed: f.seed, pause, controller_cost_ms: controllerCostMs, simple_threshold: f.simpleThreshold, dwell_ms: f.dwellMs, confirm_windows: f.confirmWindows, margin: f.margin,
    horizon: f.horizon ?? microbatches, max_replicas: f.maxReplicas, objective: f.objective, staleness_weight: f.stalenessWeight, cut_slack: f.cutSlack ?? null,
  };
  return { config, settings };
}

/** Runs the simulation with a progress bar; prints the event rate on stderr. */
function runTimed(f: SimulateFlags, plan: Plan, microbatches: number, measured?: readonly RankLogRow[]): { result: SimulationResult; settings: Record<string, unknown>; landed: SimulationConfig['interference'] } {
  const bar = progressBar(microbatches, 'simulate', 'microbatches', Boolean(f.progress));
  const { config, settings } = configOf(f, plan, microbatches, (n) => bar.update(n), measured);
  const t0 = performance.now();
  let result: SimulationResult;
  try {
    result = simulate(config);
    bar.update(microbatches);
  } finally {
    bar.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stderr.write(`simulate: ${result.events} events in ${seconds.toFixed(2)} s (${Math.round(result.events / seconds)} events/s)\n`);
  return { result, settings, landed: config.interference };
}

function readPlan(f: SimulateFlags): Plan {
  const path = inputPath('--plan', f.plan, f.validate, 'plan.json', true)!;
  return parsePlan(readText(path), path);
}

async function runValidate(f: SimulateFlags): Promise<void> {
  const dir = resolve(f.validate!);
  const measured = await readRankLogs(dir);
  const plan = readPlan(f);
  const steps = measured.filter(isStep);
  if (steps.length === 0) throw new DynpipeError('E_DATA', `${dir}: the rank logs have no step rows`);
  const microbatches = steps.reduce((m, s) => Math.max(m, s.microbatch + 1), 0);
  const { result, landed } = runTimed(f, plan, microbatches, f.calibrate ? measured : undefined);
  const simulated = Array.from({ length: worldSize(plan) }, (_, r) => rankRows(result, landed, r, f.mode)).flat();
  const table = formatComparison(compareRuns(measured, simulated, f.validateWindow));
  process.stdout.write(`validate ${dir}: ${microbatches} microbatches, windows of ${f.validateWindow} completions at the last stage\n\n${table}`);
  if (f.out !== undefined) {
    writeText(join(f.out, 'validation.md'), table);
    process.stdout.write(`wrote ${join(f.out, 'validation.md')}\n`);
  }
}

async function run(f: SimulateFlags): Promise<void> {
  if (f.validate !== undefined) return runValidate(f);
  if (f.out === undefined) throw new DynpipeError('E_USAGE', 'simulate: give --out DIR (or --validate LOGDIR)');
  if (f.calibrate) throw new DynpipeError('E_USAGE', 'simulate: --calibrate calibrates to a measured run: use it with --validate LOGDIR');
  const plan = readPlan(f);
  const microbatches = plan.schedule === 'gpipe' ? f.iterations * plan.microbatches_per_step : f.iterations;
  const { result, settings, landed } = runTimed(f, plan, microbatches);
  const files = writeSimulation(result, landed, { dir: resolve(f.out), mode: f.mode, rankLogs: f.rankLogs, settings });
  const report = simulationReport(result);
  const tput = report.throughput_samples_per_s === null ? 'n/a' : report.throughput_samples_per_s.toFixed(1);
  process.stdout.write(
    `simulated ${report.microbatches} microbatches on ${report.ranks} ranks (${f.mode}): ${(report.duration_ms / 1000).toFixed(2)} s simulated, ` +
      `${tput} samples/s, bubble ${(100 * report.bubble_fraction).toFixed(1)} %, ${report.repartitions.length} repartition(s)\n` +
      files.map((p) => `wrote ${p}\n`).join(''),
  );
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('simulate a plan, schedule and repartition mode at any scale (discrete events), or --validate one against a measured run')
    .option('--profile <profile.json>', 'block times (required; with --validate default <LOGDIR>/profile.json)')
    .option('--plan <plan.json>', 'the plan to run (required; with --validate default <LOGDIR>/plan.json)')
    .option('--interference <trace.csv>', 'interference trace: t_start,t_end,kind,target,intensity (seconds); with --validate default <LOGDIR>/interference.csv if present')
    .addOption(new Option('--mode <mode>', 'repartitioning mode').choices([...SIM_MODES]).default('pipedream'))
    .option('--iterations <n>', 'optimizer steps to simulate (1f1b: microbatches; gpipe: flushes of microbatches_per_step)', intOption(1), 1000)
    .option('--out <dir>', 'write rank-<r>.csv, summary.json, simulation.json, decisions.csv and plan.json here')
    .option('--validate <logdir>', 'replay the measured run in LOGDIR (its rank logs) and compare time per microbatch by window')
    .option('--validate-window <n>', 'completions per window of the --validate table', intOption(1), 20)
    .option('--calibrate', "with --validate: scale each stage's block times to the run's measured mean forward/backward and optimizer times")
    .option('--calibrate-skip <n>', 'with --calibrate: warm-up microbatches left out of the means', intOption(0), 10)
    .option('--calibrate-until <mb>', 'with --calibrate: use microbatches before this one only (keep interference out of the means)', intOption(1))
    .option('--window <microbatches>', 'microbatches per decision window (as dynpipe launch --window)', intOption(1), 20)
    .option('--bandwidth <GB/s>', 'link bandwidth between ranks', floatOption(1e-9), DEFAULT_BANDWIDTH_GBPS)
    .option('--latency-ms <ms>', 'fixed cost of every message', floatOption(0), DEFAULT_LATENCY_MS)
    .option('--optimizer-gbps <GB/s>', 'parameter bytes the optimizer step updates per second', floatOption(1e-9), DEFAULT_OPTIMIZER_GBPS)
    .option('--cpu-slowdown <k>', 'compute slowdown of a cpu interferer at intensity 1', floatOption(1), 2)
    .option('--membw-slowdown <k>', 'compute slowdown of a membw interferer at intensity 1', floatOption(1), 1.5)
    .option('--gpu-slowdown <k>', 'compute slowdown of a gpu interferer at intensity 1', floatOption(1), 2)
    .option('--cores-per-rank <c>', 'rank r owns cores [r*c, (r+1)*c) (cpu/membw targets)', intOption(1), 1)
    .option('--ranks-per-gpu <k>', 'rank r uses GPU floor(r/k) (gpu targets)', intOption(1), 1)
    .option('--seed <n>', 'seeds the net-interference jitter', intOption(0), 0)
    .option('--pause-fixed-ms <ms>', `fixed part of a simulated plan change's pause (default ${DEFAULT_PAUSE_FIXED_MS.live} live, ${DEFAULT_PAUSE_FIXED_MS.restart} restart: measured, BENCHMARKS.md)`, floatOption(0))
    .option('--migration-cost-ms <ms>', `the controller's fixed cost of a plan change until one was measured, as dynpipe launch (default ${CONTROLLER_COST_MS.live} live, ${CONTROLLER_COST_MS.restart} restart)`, floatOption(0))
    .option('--migration-bandwidth <GB/s>', 'bandwidth moving blocks in a simulated plan change (default --bandwidth)', floatOption(1e-9))
    .option('--simple-threshold <x>', 'simple mode: rebalance when a rank is this much slower than its baseline', floatOption(0.001), 0.25)
    .option('--dwell-ms <ms>', 'minimum simulated time between two plan changes', floatOption(0), 5000)
    .option('--confirm-windows <n>', 'dynpipe modes: consecutive windows a better plan must pay', intOption(1), 2)
    .option('--margin <x>', 'dynpipe modes: the gain must exceed the pause x (1 + margin)', floatOption(0), 0.2)
    .option('--horizon <iterations>', 'dynpipe modes: iterations a gain is counted for at most (default: the rest of the job)', intOption(1))
    .option('--max-replicas <n>', 'dynpipe modes: replicas per stage the planner may use', intOption(1), 1)
    .addOption(new Option('--objective <kind>', 'dynpipe modes: planner objective').choices(['pipedream', 'dynpipe']).default('dynpipe'))
    .option('--staleness-weight <w>', 'dynpipe objective: price of weight staleness', floatOption(0), 0)
    .option('--cut-slack <n>', 'a cut lands this many microbatches after the first unforwarded one (default 2 x in-flight)', intOption(0))
    .option('--no-rank-logs', 'skip rank-<r>.csv and summary.json (only simulation.json and decisions.csv)')
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .action((f: SimulateFlags) => run(f));
}
