/**
 * `dynpipe profile`: writes a profile (profile/format.ts), either measured block by block on a
 * tfjs backend (--model) or imported from PipeDream's graph.txt (--import).
 */
import { basename, dirname } from 'node:path';
import { type Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { DynpipeError } from '../../errors.js';
import { parseArgList } from '../../models/args.js';
import { type Profile, printProfile, totalComputeMs } from '../../../profile/format.js';
import { inferImagenetBatch, parsePipedreamGraph, pipedreamProfile } from '../../../profile/pipedream-graph.js';
import { intOption } from '../options.js';
import type { BackendName } from '../../backend/select.js';
import type { ModelSpec } from '../../models/block.js';
import { readText, writeText } from '../text-files.js';

/** Rows of each --kernel-times table when no number is given. */
const DEFAULT_KERNEL_ROWS = 25;

/** Listed here (not imported) so that loading the CLI does not load tfjs. */
const BACKENDS: readonly BackendName[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

interface ProfileFlags {
  import?: string;
  model?: string;
  arg: string[];
  modelArgs?: string;
  name?: string;
  batch?: number;
  backend: BackendName;
  warmup: number;
  repeats: number;
  progress?: boolean;
  /** --kernel-times: true (no value) or the number of rows to print. */
  kernelTimes?: number | true;
  out: string;
}

/** `vgg16.graph.txt` -> vgg16; `profiles/vgg16/graph.txt` -> vgg16. */
export function modelNameOfGraphFile(path: string): string {
  const file = basename(path).replace(/\.txt$/, '').replace(/\.graph$/, '');
  return file === 'graph' ? basename(dirname(path)) || 'model' : file;
}

/** Model arguments from repeated `--arg k=v` and/or `--model-args k=v,k=v` (the spelling `dynpipe train` uses). */
export function parseModelArgs(entries: readonly string[]): Record<string, number | string | boolean> {
  return parseArgList(entries.join(','));
}

function importGraph(flags: ProfileFlags, path: string): Profile {
  if (flags.model !== undefined) throw new DynpipeError('E_USAGE', 'profile: --import and --model exclude each other');
  const graph = parsePipedreamGraph(readText(path), path);
  const batchSize = flags.batch ?? inferImagenetBatch(graph);
  if (batchSize === undefined) throw new DynpipeError('E_USAGE', `${path}: cannot infer the minibatch size (no single 3x224x224 Input node); give --batch`);
  return pipedreamProfile(graph, { model: { name: flags.name ?? modelNameOfGraphFile(path) }, batchSize, date: new Date().toISOString() });
}

/** Prints the device time of each kernel of one training step of the whole model (--kernel-times). */
async function printKernelTimes(model: ModelSpec, flags: ProfileFlags, backend: string, top: number): Promise<void> {
  const { profileTrainingStep } = await import('../../../profile/step-kernels.js');
  const { groupKernelTimes, kernelTimeTable } = await import('../../backend/kernel-times.js');
  const calls = await profileTrainingStep(model, flags.batch!, Math.max(1, flags.warmup));
  const clock = backend === 'webgpu' ? 'GPU time from timestamp queries' : 'wall time of each kernel';
  process.stdout.write(`\nkernel times of one training step of ${model.name}, batch ${flags.batch} (${backend}: ${clock}):\n\n`);
  process.stdout.write(`${kernelTimeTable(groupKernelTimes(calls, false), top)}\n\n${kernelTimeTable(groupKernelTimes(calls, true), top)}\n`);
}

async function measure(flags: ProfileFlags, modelName: string): Promise<Profile> {
  if (flags.batch === undefined) throw new DynpipeError('E_USAGE', 'profile: --model needs --batch <n>');
  const { buildModel } = await import('../../models/zoo.js');
  const model = buildModel(modelName, parseModelArgs([...flags.arg, ...(flags.modelArgs ? [flags.modelArgs] : [])]));
  const { selectBackend } = await import('../../backend/select.js');
  const { initBlockParams } = await import('../../models/params.js');
  const choice = await selectBackend(flags.backend);
  const backend = choice.name;
  const device = choice.device;
  const { measureProfile } = await import('../../../profile/measure.js');
  const showBar = flags.progress === true || process.stderr.isTTY === true;
  const bar = showBar
    ? new cliProgress.SingleBar(
        // noTTYOutput: --progress asks for the bar even when stderr is a pipe or a file.
        { format: 'profile {bar} {value}/{total} blocks | {block}', stream: process.stderr, noTTYOutput: flags.progress === true, notTTYSchedule: 1000 },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(model.blocks.length, 0, { block: '' });
  try {
    const profile = await measureProfile(model, {
      batch: flags.batch,
      warmup: flags.warmup,
      repeats: flags.repeats,
      backend,
      device,
      initParams: (block, index) => initBlockParams(block, index, 0),
      onProgress: (done, _total, block) => bar?.update(done, { block }),
    });
    bar?.stop();
    if (flags.kernelTimes !== undefined) await printKernelTimes(model, flags, backend, flags.kernelTimes === true ? DEFAULT_KERNEL_ROWS : flags.kernelTimes);
    return profile;
  } finally {
    bar?.stop();
  }
}

async function runProfile(flags: ProfileFlags): Promise<void> {
  if ((flags.import === undefined) === (flags.model === undefined)) throw new DynpipeError('E_USAGE', 'profile: give exactly one of --import <graph.txt> or --model <name>');
  const profile = flags.import !== undefined ? importGraph(flags, flags.import) : await measure(flags, flags.model!);
  writeText(flags.out, printProfile(profile));
  process.stdout.write(
    `${profile.model.name}: ${profile.blocks.length} blocks, ${totalComputeMs(profile).toFixed(3)} ms forward+backward per minibatch of ${profile.batch_size} (${profile.backend}); wrote ${flags.out}\n`,
  );
}

export function register(program: Command): void {
  program
    .command('profile')
    .description("measure each block's forward/backward time on a backend, or import PipeDream's graph.txt")
    .option('--import <graph.txt>', "PipeDream profiler output to convert (branches collapse into blocks; Input nodes are dropped)")
    .option('--model <name>', 'zoo model to measure')
    .option('--arg <key=value>', 'model argument (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--model-args <k=v,...>', 'model arguments, comma-separated (same as dynpipe train)')
    .option('--name <model>', 'model name recorded for an imported profile (default: from the file name)')
    .option('--batch <n>', 'minibatch size (required with --model; inferred from the Input node with --import)', intOption(1))
    .addOption(new Option('--backend <name>', 'tfjs backend to measure on').choices([...BACKENDS]).default('auto'))
    .option('--warmup <n>', 'untimed runs per block and pass', intOption(0, 1000), 2)
    .option('--repeats <n>', 'timed runs per block and pass (the median is kept)', intOption(1, 1000), 5)
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .option('--kernel-times [top]', `also print the device time of each kernel of one training step (GPU time on webgpu), the top N rows (default ${DEFAULT_KERNEL_ROWS})`, intOption(1, 10000))
    .requiredOption('--out <file>', 'where to write the profile JSON')
    .action(async (flags: ProfileFlags) => runProfile(flags));
}
