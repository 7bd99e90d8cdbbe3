/**
 * `dynpipe plan`: partitions a profiled model over N ranks (partitioner/pipedream-dp.ts) and writes
 * the plan the runtime runs; or, with --partition [--import-pipedream], converts a PipeDream /
 * DynPipe plan into ours. Prints the per-stage table either way.
 */
import { type Command, Option } from 'commander';
import { DynpipeError } from '../../errors.js';
import { type Plan, printPlan } from '../../plan/plan.js';
import { type Profile, parseProfile } from '../../../profile/format.js';
import { BYTES_PER_GB, type Objective, type PlannerProblem, StageCosts, blocksFromProfile } from '../../../partitioner/cost.js';
import { type PartitionResult, describePartition } from '../../../partitioner/evaluate.js';
import { objectiveModel } from '../../../partitioner/objective.js';
import { planPartition } from '../../../partitioner/pipedream-dp.js';
import { convertPipedreamPlan } from '../../../partitioner/pipedream-plan.js';
import { formatPartition } from '../../../partitioner/report.js';
import { planAssignments, toPlan } from '../../../partitioner/to-plan.js';
import { floatOption, intOption } from '../options.js';
import { readJson, readText, writeText } from '../text-files.js';

interface PlanFlags {
  profile?: string;
  ranks?: number;
  bandwidth: number;
  memoryPerRank?: number;
  objective: 'pipedream' | 'dynpipe';
  stalenessWeight: number;
  slowdown?: string;
  maxReplicas?: number;
  schedule: '1f1b' | 'gpipe';
  out?: string;
  importPipedream?: string;
  partition?: string;
  model?: string;
  batch?: number;
}

/**
 * Parses `r0=1.0,r3=2.1` (the `r` is optional) into one factor per rank, 1 where not given.
 * Throws E_USAGE naming the bad entry.
 */
export function parseSlowdownList(text: string, ranks: number): number[] {
  const factors = new Array<number>(ranks).fill(1);
  const given = new Set<number>();
  for (const entry of text.split(',')) {
    const m = /^\s*r?(\d+)\s*=\s*([^\s]+)\s*$/.exec(entry);
    if (!m) throw new DynpipeError('E_USAGE', `--slowdown: expected 'r<rank>=<factor>', got '${entry.trim()}'`);
    const rank = Number(m[1]);
    const factor = Number(m[2]);
    if (rank >= ranks) throw new DynpipeError('E_USAGE', `--slowdown: r${rank} is not a rank (ranks are 0..${ranks - 1})`);
    if (!Number.isFinite(factor) || factor <= 0) throw new DynpipeError('E_USAGE', `--slowdown: r${rank} factor must be a number > 0, got '${m[2]}'`);
    if (given.has(rank)) throw new DynpipeError('E_USAGE', `--slowdown: r${rank} given twice`);
    given.add(rank);
    factors[rank] = factor;
  }
  return factors;
}

function objectiveOf(flags: PlanFlags): Objective {
  return flags.objective === 'pipedream' ? { kind: 'pipedream' } : { kind: 'dynpipe', stalenessWeight: flags.stalenessWeight };
}

function loadProfile(path: string): Profile {
  return parseProfile(readText(path), path);
}

function problemOf(profile: Profile, ranks: number, flags: PlanFlags): PlannerProblem {
  return {
    blocks: blocksFromProfile(profile),
    blockNames: profile.blocks.map((b) => b.name),
    batchSize: profile.batch_size,
    ranks,
    bandwidthBytesPerS: flags.bandwidth * BYTES_PER_GB,
    memoryPerRankBytes: flags.memoryPerRank === undefined ? undefined : flags.memoryPerRank * BYTES_PER_GB,
    slowdown: flags.slowdown === undefined ? undefined : parseSlowdownList(flags.slowdown, ranks),
    maxReplicas: flags.maxReplicas,
    objective: objectiveOf(flags),
  };
}

function planFromProfile(flags: PlanFlags): { plan: Plan; result: PartitionResult; profile: Profile } {
  if (flags.profile === undefined || flags.ranks === undefined) throw new DynpipeError('E_USAGE', 'plan: give --profile and --ranks (or --partition to import a plan)');
  for (const [flag, value] of [['--model', flags.model], ['--batch', flags.batch]] as const) {
    if (value !== undefined) throw new DynpipeError('E_USAGE', `plan: ${flag} is for imported plans; a plan from --profile takes the profile's model and batch size`);
  }
  const profile = loadProfile(flags.profile);
  const result = planPartition(problemOf(profile, flags.ranks, flags));
  const plan = toPlan(result, { model: profile.model, microbatchSize: profile.batch_size, schedule: flags.schedule });
  return { plan, result, profile };
}

function importPlan(flags: PlanFlags): { plan: Plan; result?: PartitionResult; profile?: Profile } {
  if (flags.partition === undefined) throw new DynpipeError('E_USAGE', '--import-pipedream needs --partition (blocks per stage; hybrid_conf.json only maps stages to ranks)');
  if (flags.ranks !== undefined) throw new DynpipeError('E_USAGE', '--ranks plans from a profile; an imported plan brings its own ranks (drop --ranks)');
  const profile = flags.profile === undefined ? undefined : loadProfile(flags.profile);
  const modelName = flags.model ?? profile?.model.name;
  if (modelName === undefined) throw new DynpipeError('E_USAGE', 'plan: an imported plan needs --model <name> or --profile to name its model');
  const invalid = (message: string): DynpipeError => new DynpipeError('E_PLAN_INVALID', message);
  const plan = convertPipedreamPlan({
    hybridConf: flags.importPipedream === undefined ? undefined : { value: readJson(flags.importPipedream, invalid), source: flags.importPipedream },
    partition: { value: readJson(flags.partition, invalid), source: flags.partition },
    model: flags.model !== undefined || profile === undefined ? { name: modelName } : profile.model,
    microbatchSize: flags.batch ?? profile?.batch_size,
  });
  if (!profile) return { plan };
  if (plan.num_blocks !== profile.blocks.length) {
    throw new DynpipeError('E_PLAN_INVALID', `${flags.partition}: partition covers ${plan.num_blocks} blocks, but ${flags.profile} has ${profile.blocks.length}`);
  }
  const stages = planAssignments(plan);
  if (!stages) return { plan, profile }; // ranks not contiguous in stage order: the cost model cannot price it
  const problem = problemOf(profile, Object.values(plan.stage_to_rank_map).reduce((n, r) => n + r.length, 0), flags);
  const result = describePartition(objectiveModel(new StageCosts(problem), problem.objective), problem, stages);
  return { plan: toPlan(result, { model: plan.model, microbatchSize: plan.microbatch_size, schedule: flags.schedule }), result, profile };
}

async function runPlan(flags: PlanFlags): Promise<void> {
  const importing = flags.partition !== undefined || flags.importPipedream !== undefined;
  const { plan, result, profile } = importing ? importPlan(flags) : planFromProfile(flags);
  if (result) {
    process.stdout.write(formatPartition(result, { blockNames: profile?.blocks.map((b) => b.name), microbatchSize: plan.microbatch_size }));
  } else {
    process.stdout.write(`imported ${plan.partition.length} stages over ${plan.num_blocks} blocks (give --profile to predict stage times)\n`);
  }
  if (flags.out !== undefined) {
    writeText(flags.out, printPlan(plan));
    process.stdout.write(`wrote ${flags.out}\n`);
  }
}

export function register(program: Command): void {
  program
    .command('plan')
    .description('partition a profiled model over ranks (PipeDream DP with replication), or import a PipeDream/DynPipe plan')
    .option('--profile <file>', 'profile JSON written by `dynpipe profile`')
    .option('--ranks <n>', 'number of ranks to plan for', intOption(1, 4096))
    .option('--bandwidth <GB/s>', 'link bandwidth between ranks, decimal GB/s', floatOption(1e-9), 10)
    .option('--memory-per-rank <GB>', 'memory limit per rank, decimal GB (default: none)', floatOption(1e-12))
    .addOption(new Option('--objective <name>', 'pipedream: overlapped communication (PipeDream eq. 1-2); dynpipe: non-overlapped communication + staleness penalty').choices(['pipedream', 'dynpipe']).default('dynpipe'))
    .option('--staleness-weight <w>', "dynpipe objective's weight λ: objective = bottleneck · (1 + λ (in-flight microbatches - 1))", floatOption(0), 0.1)
    .option('--slowdown <list>', 'per-rank compute slowdown factors, e.g. r0=1.0,r3=2.1 (others 1)')
    .option('--max-replicas <k>', 'most ranks one stage may be replicated on (default: no limit but the microbatch size)', intOption(1, 4096))
    .addOption(new Option('--schedule <name>', 'pipeline schedule written into the plan').choices(['1f1b', 'gpipe']).default('1f1b'))
    .option('--out <file>', 'write the plan JSON here (omit to only print the table)')
    .option('--import-pipedream <hybrid_conf.json>', "PipeDream's stage_to_rank_map file to convert (with --partition)")
    .option('--partition <file>', "DynPipe's partition JSON (blocks per stage) to convert")
    .option('--model <name>', 'model name for an imported plan (default: the profile\'s)')
    .option('--batch <n>', "microbatch size for an imported plan (default: the file's batch_size_all, else the profile's)", intOption(1))
    .action(async (flags: PlanFlags) => runPlan(flags));
}
