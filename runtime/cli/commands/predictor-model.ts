/**
 * `dynpipe predictor train|eval|predict`: fit the slowdown forest on a dataset, score it (and the
 * baselines) on held-out mixes, and ask it about a block range. Thin shells over predictor/.
 */
import type { Command } from 'commander';
import { DynpipeError } from '../../errors.js';
import { floatOption, intOption } from '../options.js';
import { progressBar } from '../progress-bar.js';
import { DEFAULT_FOREST_OPTIONS, SlowdownForest, type ForestOptions } from '../../../predictor/forest.js';
import { evaluateModels, type EvalReport, type Scores } from '../../../predictor/evaluate.js';
import { NO_MIX } from '../../../predictor/mix.js';
import { labeled } from '../../../predictor/dataset.js';
import { parseDeviceFeatures, parseStaticFeatures, staticFeatures, type StaticFeatures } from '../../../predictor/features.js';
import { parseModelChoice, readDataset, readJson, readText, writeText } from './predictor-io.js';
import { profiledRangeMs } from '../../../predictor/predict.js';
import { parseProfile } from '../../../profile/format.js';

interface ForestFlags {
  progress?: boolean;
  rawTarget?: boolean;
  trees: number;
  maxDepth: number;
  minNode: number;
  maxRowsPerTree: number;
  seed: number;
}

function forestOptions(f: ForestFlags): ForestOptions {
  return { ...DEFAULT_FOREST_OPTIONS, trees: f.trees, maxDepth: f.maxDepth, minNodeSamples: f.minNode, maxRowsPerTree: f.maxRowsPerTree, logTarget: !f.rawTarget, seed: f.seed };
}

function withForestOptions(cmd: Command): Command {
  const d = DEFAULT_FOREST_OPTIONS;
  return cmd
    .option('--trees <n>', 'trees in the forest', intOption(1, 10000), d.trees)
    .option('--max-depth <n>', 'depth limit of each tree', intOption(1, 64), d.maxDepth)
    .option('--min-node <n>', 'a node with at most this many rows becomes a leaf', intOption(1), d.minNodeSamples)
    .option('--max-rows-per-tree <n>', 'rows each tree samples (bounds training time)', intOption(2), d.maxRowsPerTree)
    .option('--raw-target', 'fit the slowdown itself instead of its logarithm')
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .option('--seed <n>', 'seed for the forest and the split', intOption(0, 2 ** 31 - 1), d.seed);
}

function printReport(r: EvalReport, data: string): void {
  const scored: Array<[string, Scores]> = [
    ['random forest', r.forest],
    ['linear (self+peer util)', r.linear],
    ['training mean', r.mean],
    ["observer's own ratio", r.observerRatio],
    ...Object.entries(r.forestByTag).map(([tag, s]): [string, typeof s] => [`forest, ${tag} (${s.rows} rows)`, s]),
    ...(r.quietNoise ? [[`label noise: 1.0 on the quiet mix (${r.quietNoise.rows} rows)`, r.quietNoise] as [string, Scores]] : []),
  ];
  const width = Math.max(...scored.map(([label]) => label.length));
  const row = (label: string, s: Scores): string =>
    `${label.padEnd(width)} ${`${s.mapePercent.toFixed(2)}%`.padStart(9)} ${(Number.isNaN(s.r2) ? 'n/a' : s.r2.toFixed(3)).padStart(7)}`;
  const split =
    r.folds === 1
      ? `train ${r.trainRows} rows / ${r.trainGroups.length} mixes, test ${r.testRows} rows / ${r.testGroups.length} held-out mixes`
      : `grouped ${r.folds}-fold cross-validation: ${r.testRows} rows of ${r.testGroups.length} mixes, each predicted by models that never saw its mix`;
  const lines = [
    `eval ${data}: ${split}`,
    `${'model'.padEnd(width)} ${'MAPE'.padStart(9)} ${'R²'.padStart(7)}`,
    ...scored.map(([label, s]) => row(label, s)),
    'forest permutation importance (test MAPE rise, points):',
    ...r.importance.map((i) => `  ${i.feature.padEnd(24)} ${i.mapeRisePoints.toFixed(3).padStart(8)}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

export function registerModelCommands(predictor: Command): void {
  withForestOptions(predictor.command('train').description('fit the slowdown random forest on a dataset and save it as JSON'))
    .requiredOption('--data <csv>', 'dataset from `dynpipe predictor collect`')
    .requiredOption('--out <json>', 'forest file to write')
    .action((flags: ForestFlags & { data: string; out: string }) => {
      const rows = labeled(readDataset(flags.data));
      const bar = progressBar(flags.trees, 'train', 'trees', Boolean(flags.progress));
      const forest = SlowdownForest.train(rows.map((r) => r.x), rows.map((r) => r.y), forestOptions(flags), (n) => bar.update(n));
      bar.stop();
      writeText(flags.out, JSON.stringify(forest.toJSON()) + '\n');
      process.stdout.write(`train: ${flags.trees} trees on ${rows.length} rows from ${new Set(rows.map((r) => r.group)).size} mixes -> ${flags.out}\n`);
    });

  withForestOptions(predictor.command('eval').description('score the forest, a linear baseline and the mean on held-out interference mixes'))
    .requiredOption('--data <csv>', 'dataset from `dynpipe predictor collect`')
    .option('--test-fraction <x>', 'share of the mixes held out', floatOption(0, 1), 0.3)
    .option('--folds <k>', 'grouped k-fold cross-validation by mix instead of one held-out split', intOption(2, 1000))
    .option('--json', 'print the report as JSON')
    .action((flags: ForestFlags & { data: string; testFraction: number; folds?: number; json?: boolean }) => {
      const bar = progressBar(flags.trees * (flags.folds ?? 1), 'eval', 'trees', Boolean(flags.progress));
      const options = { testFraction: flags.testFraction, folds: flags.folds, seed: flags.seed, forest: forestOptions(flags), quietGroup: NO_MIX, onTree: (n: number) => bar.update(n) };
      const report = evaluateModels(labeled(readDataset(flags.data)), options);
      bar.stop();
      if (flags.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else printReport(report, flags.data);
    });

  predictor
    .command('predict')
    .description('predict the slowdown of a block range on a device, from its current device features')
    .requiredOption('--forest <json>', 'forest file from `dynpipe predictor train`')
    .option('--model <name[:k=v,...]>', 'zoo model with its arguments, e.g. vgg16:width=0.125 (with --range and --batch)')
    .option('--range <a:b>', 'block range [a, b)')
    .option('--batch <n>', 'microbatch size', intOption(1), 32)
    .option('--alone-ms <ms>', "the range's profiled step time alone on the device, ms per microbatch (with --model)", floatOption(0))
    .option('--profile <json>', 'instead of --alone-ms: the device profile (`dynpipe profile`) to sum the range from')
    .option('--static <json>', 'instead of --model/--range/--batch: static features of the range (a JSON object)')
    .requiredOption('--device <json>', 'device features as a worker reports them (a JSON object with every device feature)')
    .option('--json', 'print features and prediction as JSON')
    .action(async (flags: PredictFlags) => {
      const target = await targetFeatures(flags);
      const forest = SlowdownForest.fromJSON(readJson(flags.forest, 'forest', 'E_PREDICTOR'), flags.forest);
      const device = parseDeviceFeatures(readJson(flags.device, 'device features', 'E_PREDICTOR'), flags.device);
      const slowdown = forest.predictOne(target, device);
      process.stdout.write(flags.json ? JSON.stringify({ slowdown, static: target, device }, null, 2) + '\n' : `${slowdown}\n`);
    });
}

interface PredictFlags {
  forest: string;
  model?: string;
  range?: string;
  batch: number;
  aloneMs?: number;
  profile?: string;
  static?: string;
  device: string;
  json?: boolean;
}

async function targetFeatures(flags: PredictFlags): Promise<StaticFeatures> {
  if (flags.static !== undefined) {
    if (flags.model !== undefined || flags.range !== undefined || flags.aloneMs !== undefined || flags.profile !== undefined) {
      throw new DynpipeError('E_USAGE', '--static replaces --model, --range, --alone-ms and --profile; give one or the other');
    }
    return parseStaticFeatures(readJson(flags.static, 'static features', 'E_PREDICTOR'), flags.static);
  }
  if (flags.model === undefined || flags.range === undefined) throw new DynpipeError('E_USAGE', 'give --model and --range (or --static)');
  const m = /^(\d+):(\d+)$/.exec(flags.range);
  if (!m) throw new DynpipeError('E_USAGE', `--range must look like a:b, got '${flags.range}'`);
  const model = parseModelChoice(flags.model);
  // Loaded here, not at start-up: the zoo brings in tfjs, which other subcommands do not need.
  const { buildModel } = await import('../../models/zoo.js');
  const spec = buildModel(model.name, model.args);
  const [start, end] = [Number(m[1]), Number(m[2])];
  if ((flags.aloneMs === undefined) === (flags.profile === undefined)) throw new DynpipeError('E_USAGE', 'give the range\'s profiled time: --alone-ms or --profile (one of them)');
  const aloneMs = flags.profile === undefined ? flags.aloneMs! : profiledRangeMs(parseProfile(readText(flags.profile, 'profile'), flags.profile), spec, start, end, flags.batch, flags.profile);
  return staticFeatures(spec, start, end, flags.batch, aloneMs);
}
