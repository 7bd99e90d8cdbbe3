/**
 * `dynpipe predictor collect`: measures stage workloads alone and under random interference mixes
 * and appends one CSV row per (mix, repeat, target, observer) to --out. Resumable: (mix, repeat)
 * runs already in the file are skipped, so a rerun with the same flags continues where it stopped.
 * A thin shell: the loop is predictor/collect.ts; processes, timers and files live here.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cpus, hostname } from 'node:os';
import type { Command } from 'commander';
import { DynpipeError } from '../../errors.js';
import { floatOption, intOption } from '../options.js';
import { progressBar } from '../progress-bar.js';
import { collect, type Workload } from '../../../predictor/collect.js';
import { parseDataset, printDataset, roundMeasured, runKey } from '../../../predictor/dataset.js';
import { INTERFERER_KINDS, parseCores, randomMixes, type InterfererKind } from '../../../predictor/mix.js';
import { HostSampler } from '../../stats/host-stats.js';
import { GeneratorGroup, findOnPath } from '../../../profile/interfere/spawn.js';
import { parseBackendName } from '../../backend/options.js';
import { formatModelChoice, listOption, modelOption, positiveInt, readText, unitInterval, writeText, type ModelChoice } from './predictor-io.js';

interface CollectFlags {
  out: string;
  model?: ModelChoice[];
  backend: string;
  stages: number;
  batches: string;
  mixes: number;
  repeats: number;
  kinds: string;
  maxInterferers: number;
  intensities: string;
  cores?: string;
  interfererCores: string;
  microbatches: number;
  rounds: number;
  settleMs: number;
  bufferMb: number;
  matrix: number;
  gpu: string;
  seed: number;
  timeBudgetS?: number;
  progress?: boolean;
}

/** Significant digits of measured numbers in the file (noise is far above 1e-5). */
const MEASURED_DIGITS = 5;

const DEFAULT_MODELS: ModelChoice[] = [{ name: 'mlp', args: {} }, { name: 'tinycnn', args: {} }];

/** k contiguous block ranges of near-equal length covering [0, n). */
export function equalRanges(n: number, k: number): Array<[number, number]> {
  const parts = Math.min(n, k);
  return Array.from({ length: parts }, (_, i) => [Math.round((i * n) / parts), Math.round(((i + 1) * n) / parts)]);
}

/** Pins this process (all its threads) to `cores` with taskset, so interferers pinned there compete with it. */
function pinSelf(cores: readonly number[]): void {
  const taskset = findOnPath('taskset');
  if (!taskset) throw new DynpipeError('E_USAGE', '--cores needs taskset (util-linux), which is not on PATH');
  const r = spawnSync(taskset, ['-a', '-p', '-c', cores.join(','), String(process.pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new DynpipeError('E_USAGE', `--cores ${cores.join(',')}: taskset failed: ${(r.stderr || r.stdout).trim()}`);
}

async function run(flags: CollectFlags): Promise<void> {
  const kinds = listOption('--kinds', flags.kinds, (s) => ((INTERFERER_KINDS as readonly string[]).includes(s) ? (s as InterfererKind) : undefined));
  const batches = listOption('--batches', flags.batches, positiveInt);
  const intensities = listOption('--intensities', flags.intensities, unitInterval);
  const interfererCores = parseCores(flags.interfererCores, 'E_USAGE', '--interferer-cores');
  const ownCores = flags.cores === undefined ? undefined : parseCores(flags.cores, 'E_USAGE', '--cores');
  if (ownCores && ownCores.length === 0) throw new DynpipeError('E_USAGE', "--cores needs a core list, not '*'");
  if (!/^(none|\d+)$/.test(flags.gpu)) throw new DynpipeError('E_USAGE', `--gpu must be an index or 'none', got '${flags.gpu}'`);
  const gpuIndex = flags.gpu === 'none' ? null : Number(flags.gpu);
  const backend = parseBackendName(flags.backend);
  if (flags.out.endsWith('.gz')) throw new DynpipeError('E_USAGE', `--out ${flags.out}: collect appends plain CSV; gzip the file once collected`);
  const models = flags.model ?? DEFAULT_MODELS;
  const mixes = randomMixes({ count: flags.mixes, kinds, maxInterferers: flags.maxInterferers, cores: interfererCores, intensities, seed: flags.seed });

  if (ownCores) pinSelf(ownCores);
  const group = new GeneratorGroup({ bufferMb: flags.bufferMb, matrixSize: flags.matrix });
  process.on('exit', () => group.killAllNow());
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => process.exit(s === 'SIGINT' ? 130 : 143));
  // Loaded here, not at start-up: they bring in tfjs, which other subcommands do not need.
  const { selectBackend, releaseBackends } = await import('../../backend/select.js');
  const { buildModel } = await import('../../models/zoo.js');
  const { ProcessCollectIo } = await import('../../../profile/collect-io.js');
  const choice = await selectBackend(backend);
  const io = new ProcessCollectIo({ sampler: new HostSampler({ cores: ownCores, gpuIndex }), group, microbatches: flags.microbatches, settleMs: flags.settleMs, seed: flags.seed });

  // Workloads: every model split into --stages ranges, at every batch size.
  const workloads: Workload[] = [];
  for (const m of models) {
    const spec = buildModel(m.name, m.args);
    for (const [a, b] of equalRanges(spec.blocks.length, flags.stages)) for (const batch of batches) workloads.push(io.addWorkload(spec, a, b, batch));
  }

  const done = new Set<string>();
  if (existsSync(flags.out)) {
    for (const r of parseDataset(readText(flags.out, 'dataset'), flags.out)) done.add(runKey(r.mix, r.repeat));
  } else {
    const provenance = [
      `collected ${new Date().toISOString()} on ${hostname()} (${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}) with backend ${choice.name}: ${choice.device}`,
      `measured numbers rounded to ${MEASURED_DIGITS} significant digits; models ${models.map(formatModelChoice).join(' ')}; ${flags.stages} ranges each; batches ${batches.join(',')}; ${flags.rounds} alone/interfered rounds of ${flags.microbatches} microbatches`,
    ];
    writeText(flags.out, printDataset([], true, provenance));
  }

  const t0 = performance.now();
  const overBudget = (): boolean => flags.timeBudgetS !== undefined && performance.now() - t0 > 1000 * flags.timeBudgetS;
  const bar = progressBar(mixes.length * flags.repeats, 'collect', 'mixes', Boolean(flags.progress));
  let rows = 0;
  let runs = 0;
  try {
    const plan = { workloads, mixes, repeats: flags.repeats, rounds: flags.rounds };
    for await (const chunk of collect(plan, io, { done, onProgress: (n) => bar.update(n) })) {
      appendFileSync(flags.out, printDataset(chunk.map((r) => roundMeasured(r, MEASURED_DIGITS)), false));
      rows += chunk.length;
      runs++;
      if (overBudget()) break;
    }
  } finally {
    bar.stop();
    await io.close();
    releaseBackends();
  }
  const budget = overBudget() ? ` (stopped: --time-budget-s ${flags.timeBudgetS} spent; rerun to continue)` : '';
  process.stdout.write(`collect: ${rows} new rows from ${runs} mix runs (${workloads.length} workloads on ${choice.name}, ${mixes.length} mixes x ${flags.repeats} repeats, ${done.size} runs already in ${flags.out})${budget}\n`);
}

export function registerCollect(predictor: Command): void {
  predictor
    .command('collect')
    .description('measure stage workloads alone and under interference mixes; append the dataset CSV (resumable)')
    .requiredOption('--out <csv>', 'dataset file to create or extend')
    .option('--model <name[:k=v,...]>', 'zoo model with its arguments, e.g. vgg16:width=0.125 (repeat for several; default: mlp and tinycnn)', modelOption)
    .option('--backend <name>', 'tfjs backend for the workloads (auto, webgpu, wasm, cpu)', 'wasm')
    .option('--stages <k>', 'split each model into k contiguous block ranges', intOption(1, 64), 2)
    .option('--batches <list>', 'microbatch sizes, comma-separated', '8,32')
    .option('--mixes <n>', 'random interference mixes besides the quiet one', intOption(1, 10000), 20)
    .option('--repeats <n>', 'runs of each mix', intOption(1, 100), 1)
    .option('--kinds <list>', `interferer kinds to draw from (${INTERFERER_KINDS.join(', ')})`, 'cpu,membw')
    .option('--max-interferers <n>', 'most interferers in one mix', intOption(1, 8), 3)
    .option('--intensities <list>', 'duty cycles to draw from, each in (0, 1]', '0.25,0.5,1')
    .option('--cores <list>', 'pin this process (the workload) to these cores with taskset')
    .option('--interferer-cores <list>', "cores cpu/membw interferers may be pinned to ('*' = unpinned)", '*')
    .option('--microbatches <n>', 'timed microbatches per run', intOption(1, 1000), 4)
    .option('--rounds <n>', 'alone/interfered run pairs per workload and mix (rows use medians over all their microbatches)', intOption(1, 100), 2)
    .option('--settle-ms <ms>', 'wait after starting a mix before measuring', intOption(0, 60000), 300)
    .option('--buffer-mb <mib>', 'membw interferer buffer', intOption(8), 64)
    .option('--matrix <n>', 'gpu interferer matmul size', intOption(8, 8192), 128)
    .option('--gpu <index>', "GPU for nvidia-smi features, or 'none'", '0')
    .option('--seed <n>', 'seed for mixes, jitter and workload tensors', intOption(0, 2 ** 31 - 1), 1)
    .option('--time-budget-s <s>', 'start no new mix after this many seconds (rerun to continue)', floatOption(0))
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .action(async (flags: CollectFlags) => run(flags));
}
