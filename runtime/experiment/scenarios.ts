/**
 * The named experiments of `dynpipe experiment`, as data: which runs (a mode on a workload), the
 * interference schedule every run replays, the coordinator's decision flags (the same for every
 * mode), the accuracy target and the figures. Pure: the caller says which machine shape to build
 * for (through `scale`) and which dataset and backend to use.
 *
 * Scales:
 *  - tiny: a smoke run of a few seconds per mode (tests): 2 ranks of a small mlp, both on core 0
 *    when pinning is possible, 16 microbatches;
 *  - small: the 2-core dev box: 2 ranks of mlp(hidden 512, 7 hidden layers: 8 blocks of similar
 *    cost), one per core (0, 1), [4, 4]; "heavy" = a busy process on core 0 (rank 0 gets half its
 *    core: ~2x), "light" = one at half duty. Two ranks, not four: four ranks on two cores are
 *    bound by the machine's total CPU, so slowing one rank only hands its core to its neighbour
 *    (measured: pipedream kept 104 % of its throughput under a 2x slowdown of ranks 0 and 1) and no
 *    plan can gain anything;
 *  - full: the 16-core GPU node's CPUs: 8 ranks of mlp(hidden 512, 15 hidden layers: 16 blocks),
 *    one core each (0..7), [2 x 8]; "heavy" = a busy process on each of cores 0 and 1 (ranks 0 and
 *    1 share their core: ~2x), "light" = the same at half duty.
 *
 * Interference traces count seconds from the first microbatch the last stage completes (see
 * interference-driver.ts), so process start-up does not shift them between modes.
 */
import { DynpipeError } from '../errors.js';
import type { InterfererSpec } from '../../predictor/mix.js';
import { formatInterferer } from '../../predictor/mix.js';
import type { ScheduleEvent } from '../../profile/interfere/schedule.js';
import { straightPlan, type Plan } from '../plan/plan.js';
import type { PolicyFlags } from '../cli/repartition-setup.js';
import type { Mode } from '../worker/worker.js';
import { parseCpuMap } from '../launch/cpu-map.js';
import type { EmulatedBurst, InterferenceSchedule } from './interference-driver.js';
import type { Workload } from './run-mode.js';

export const EXPERIMENT_NAMES = ['ttacc', 'throughput', 'interference-trace', 'light-heavy'] as const;
export type ExperimentName = (typeof EXPERIMENT_NAMES)[number];
export const SCALES = ['tiny', 'small', 'full'] as const;
export type Scale = (typeof SCALES)[number];
export const MODES: readonly Mode[] = ['pipedream', 'simple', 'dynpipe-re', 'dynpipe'];

export interface ScenarioRun {
  /** Directory name under --out (e.g. 'dynpipe', or 'mlp256-dynpipe' when models differ). */
  name: string;
  mode: Mode;
  /** The model as summaries and figures name it (e.g. 'mlp', 'mlp256'). */
  modelLabel: string;
  workload: Workload;
}

export interface Scenario {
  name: ExperimentName;
  scale: Scale;
  /** One line: what the runs train and on what. */
  workload: string;
  /** One line: the interference schedule. */
  interferenceText: string;
  runs: ScenarioRun[];
  interference: InterferenceSchedule;
  /** The decision flags of every mode (mode is set per run). */
  policy: Omit<PolicyFlags, 'mode'>;
  /** Accuracy on the first `testSamples` test samples to reach (ttacc); null: not measured. */
  targetAccuracy: number | null;
  snapshotEvery?: number;
  testSamples?: number;
  /** Figure names (figures/catalog.ts) drawn from the runs. */
  figures: string[];
}

export interface ScenarioEnv {
  dataset: string;
  dataDir?: string;
  backend: string;
  /** Whether ranks can be pinned (taskset exists); unpinned ranks get no interference rows. */
  canPin: boolean;
  /**
   * real: the trace's busy processes pinned beside the ranks; emulated: the same phases as
   * fractions of the run's microbatches, as compute slowdowns of those ranks (heavy 2x, light 1.5x;
   * interference-driver.ts), for machines whose other load the kernel would move onto the
   * untouched ranks. Default real.
   */
  interference?: 'real' | 'emulated';
}

interface Shape {
  ranks: number;
  cpuMap: string;
  model: { name: string; args: Record<string, number> };
  heavy: InterfererSpec[];
  light: InterfererSpec[];
  /** Heavy interference on the other half of the ranks (interference-trace). */
  heavyElsewhere: InterfererSpec[];
  /** The ranks `heavy` and `light` hit, and those `heavyElsewhere` hits (for emulated interference). */
  hit: number[];
  elsewhere: number[];
}

const cpu = (intensity: number, cores: number[]): InterfererSpec => ({ kind: 'cpu', intensity, cores });

const SHAPES: Record<Scale, Shape> = {
  tiny: {
    ranks: 2, cpuMap: '0,0', model: { name: 'mlp', args: { hidden: 64, layers: 3 } },
    heavy: [cpu(1, [0])], light: [cpu(0.5, [0])], heavyElsewhere: [cpu(1, [0])], hit: [0], elsewhere: [1],
  },
  small: {
    ranks: 2, cpuMap: '0,1', model: { name: 'mlp', args: { hidden: 512, layers: 7 } },
    heavy: [cpu(1, [0])], light: [cpu(0.5, [0])], heavyElsewhere: [cpu(1, [1])], hit: [0], elsewhere: [1],
  },
  full: {
    ranks: 8, cpuMap: '0,1,2,3,4,5,6,7', model: { name: 'mlp', args: { hidden: 512, layers: 15 } },
    heavy: [cpu(1, [0, 1])], light: [cpu(0.5, [0, 1])], heavyElsewhere: [cpu(1, [6, 7])], hit: [0, 1], elsewhere: [6, 7],
  },
};

/** Microbatches per run, per experiment and scale. */
const LENGTH: Record<ExperimentName, Record<Scale, number>> = {
  ttacc: { tiny: 16, small: 400, full: 500 },
  throughput: { tiny: 16, small: 160, full: 200 },
  'interference-trace': { tiny: 16, small: 300, full: 400 },
  'light-heavy': { tiny: 16, small: 300, full: 400 },
};

/** Seconds (from the first completed microbatch) of each experiment's trace phases, per scale. */
const PHASE_S: Record<Scale, number> = { tiny: 1, small: 10, full: 3 };

/**
 * Plain SGD: measured on the dev box (pipedream, 4 stages, 300 microbatches of Fashion-MNIST, 2000
 * test samples), momentum 0.9 at lr 0.01 swung between 10 % and 54 % under 1F1B's weight staleness
 * (the same model reached 73 % as one stage); SGD at lr 0.05 climbed steadily to 66 %.
 */
const TRAINING = { optimizer: 'sgd' as const, lr: 0.05, momentum: 0, weight_decay: 0, seed: 0 };

/** Same for every mode: 10-microbatch windows, two confirming windows, 10 % noise margin. */
function policy(scale: Scale): Omit<PolicyFlags, 'mode'> {
  return {
    window: scale === 'tiny' ? 4 : 10, warmupWindows: 1, confirmWindows: 2, dwellMs: 3000, margin: 0.2, noise: 0.1,
    simpleThreshold: 0.25, bandwidth: 1, maxReplicas: 1, objective: 'dynpipe', stalenessWeight: 0, policy: true,
    changeAt: [], migrationTimeoutMs: 120_000,
  };
}

/** A straight plan splitting `blocks` as evenly as possible over `ranks` (earlier stages get the extra). */
export function evenPartition(blocks: number, ranks: number): number[] {
  if (!(Number.isInteger(blocks) && Number.isInteger(ranks) && ranks >= 1 && blocks >= ranks)) {
    throw new DynpipeError('E_USAGE', `cannot split ${blocks} blocks over ${ranks} ranks`);
  }
  return Array.from({ length: ranks }, (_, r) => Math.floor(blocks / ranks) + (r < blocks % ranks ? 1 : 0));
}

function mlpBlocks(args: Record<string, number>): number {
  return (args.layers ?? 2) + 1;
}

function workloadFor(shape: Shape, model: Shape['model'], blocks: number, microbatches: number, env: ScenarioEnv): Workload {
  const plan: Plan = straightPlan({ model, partition: evenPartition(blocks, shape.ranks), microbatchSize: 32, training: TRAINING });
  return {
    plan, dataset: env.dataset, dataDir: env.dataDir, backend: env.backend, microbatches, trainSamples: microbatches * 32,
    pinning: env.canPin ? parseCpuMap(shape.cpuMap, shape.ranks) : undefined,
  };
}

function trace(phases: Array<[number, number, InterfererSpec[]]>): ScheduleEvent[] {
  return phases.flatMap(([from, to, specs]) => specs.map((spec) => ({ line: 0, startS: from, endS: to, spec })));
}

/** "[10 s, end) cpu:1@0 x2; ..." */
export function describeTrace(events: readonly ScheduleEvent[]): string {
  const groups = new Map<string, number>();
  for (const e of events) {
    const key = `[${e.startS} s, ${Number.isFinite(e.endS) ? `${e.endS} s` : 'end'}) ${formatInterferer(e.spec)}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return `seconds from the first completed microbatch: ${[...groups].map(([k, n]) => (n > 1 ? `${k} x${n}` : k)).join('; ')}`;
}

/** "emulated: ranks 0,1 2x for microbatches [40, 400); ..." */
export function describeBursts(bursts: readonly EmulatedBurst[]): string {
  return `emulated (compute stretched by a sleep): ${bursts.map((b) => `ranks ${b.ranks.join(',')} ${b.factor}x for microbatches [${b.fromMicrobatch}, ${b.toMicrobatch})`).join('; ')}`;
}

export function scenario(name: ExperimentName, scale: Scale, env: ScenarioEnv): Scenario {
  const shape = SHAPES[scale];
  const microbatches = LENGTH[name][scale];
  const t = PHASE_S[scale];
  // throughput compares two widths of the model: half as wide on the dev box (to keep it minutes), twice on the node
  const other = { name: 'mlp', args: { ...shape.model.args, hidden: scale === 'full' ? 2 * shape.model.args.hidden : shape.model.args.hidden / 2 } };
  const models = name === 'throughput' && scale !== 'tiny' ? [shape.model, other] : [shape.model];
  const runs = models.flatMap((model) =>
    MODES.map((mode) => ({
      name: models.length > 1 ? `mlp${model.args.hidden}-${mode}` : mode,
      mode,
      modelLabel: models.length > 1 ? `mlp${model.args.hidden}` : model.name,
      workload: workloadFor(shape, model, mlpBlocks(model.args), microbatches, env),
    })),
  );
  const events: Record<ExperimentName, ScheduleEvent[]> = {
    ttacc: trace([[t, Infinity, shape.heavy]]),
    throughput: trace([[t / 2, Infinity, shape.heavy]]),
    'interference-trace': trace([[t, 3 * t, shape.heavy], [4 * t, 6 * t, shape.heavyElsewhere], [7 * t, Infinity, shape.light]]),
    'light-heavy': trace([[t, 3 * t, shape.light], [4 * t, 6 * t, shape.heavy]]),
  };
  const figures: Record<ExperimentName, string[]> = {
    ttacc: ['time-to-accuracy', 'iteration-time', 'plan-changes'],
    throughput: ['throughput', 'busy-fraction'],
    'interference-trace': ['iteration-time', 'plan-changes', 'busy-fraction'],
    'light-heavy': ['interference-levels', 'iteration-time'],
  };
  const emulated = env.interference === 'emulated';
  const at = (fraction: number): number => Math.round(fraction * microbatches);
  const burst = (ranks: number[], factor: number, from: number, to: number): EmulatedBurst => ({ ranks, factor, fromMicrobatch: at(from), toMicrobatch: to >= 1 ? microbatches : at(to) });
  const bursts: Record<ExperimentName, EmulatedBurst[]> = {
    ttacc: [burst(shape.hit, 2, 0.1, 1)],
    throughput: [burst(shape.hit, 2, 0.05, 1)],
    'interference-trace': [burst(shape.hit, 2, 0.1, 0.3), burst(shape.elsewhere, 2, 0.4, 0.6), burst(shape.hit, 1.5, 0.7, 1)],
    'light-heavy': [burst(shape.hit, 1.5, 0.1, 0.3), burst(shape.hit, 2, 0.4, 0.6)],
  };
  const ttacc = name === 'ttacc';
  const modelText = models.map((m) => `${m.name}(${Object.entries(m.args).map(([k, v]) => `${k}=${v}`).join(',')})`).join(' and ');
  return {
    name,
    scale,
    workload:
      `${modelText} on ${env.dataset}, ${shape.ranks} ranks [${runs[0].workload.plan.partition.join(', ')}]` +
      `${env.canPin ? ` pinned to cores ${shape.cpuMap}` : ' (unpinned: taskset missing)'}, ${microbatches} microbatches of 32, ` +
      `SGD lr ${TRAINING.lr}, seed ${TRAINING.seed}, backend ${env.backend}`,
    interferenceText: emulated ? describeBursts(bursts[name]) : describeTrace(events[name]),
    runs,
    interference: emulated ? { kind: 'emulated', bursts: bursts[name] } : { kind: 'trace', events: events[name] },
    policy: policy(scale),
    targetAccuracy: ttacc ? { tiny: 0.1, small: 0.65, full: 0.6 }[scale] : null,
    snapshotEvery: ttacc ? { tiny: 8, small: 20, full: 100 }[scale] : undefined,
    testSamples: ttacc ? { tiny: 200, small: 2000, full: 2000 }[scale] : undefined,
    figures: figures[name],
  };
}
