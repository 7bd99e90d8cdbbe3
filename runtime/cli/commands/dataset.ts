/** `dynpipe dataset <name>`: opens a dataset split and prints its shapes and statistics. */
import { Option, type Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { DynpipeError } from '../../errors.js';
import { datasetNames, openDataset, type OpenDatasetOptions } from '../../data/registry.js';
import { summarizeDataset, type DatasetSummary } from '../../data/summary.js';
import type { Dataset, Split } from '../../data/dataset.js';
import { floatOption, intOption } from '../options.js';

interface Flags {
  split: Split;
  dataDir?: string;
  seed?: number;
  size?: number;
  shape?: string;
  classes?: number;
  noise?: number;
  seqLen?: number;
  vocab?: number;
  progress?: boolean;
}

function parseShape(text: string): number[] {
  if (!/^\d+(x\d+)*$/.test(text)) throw new DynpipeError('E_USAGE', `--shape must look like 28x28x1, got '${text}'`);
  return text.split('x').map(Number);
}

const round = (v: number) => Number(v.toPrecision(4));

function describe(ds: Dataset, s: DatasetSummary): string {
  const dims = (shape: readonly number[]) => (shape.length ? shape.join('x') : 'scalar');
  const labels = s.labelCounts.map(([l, n]) => `${l}:${n}`).join(' ');
  return [
    `${ds.name}/${ds.split}: ${ds.size} samples, input ${dims(ds.inputShape)} ${ds.inputDtype}, label ${dims(ds.labelShape)} int32, ${ds.numClasses} classes`,
    `labels: ${labels}${s.ignoredLabels ? ` ignored(-1):${s.ignoredLabels}` : ''}`,
    `inputs: min ${round(s.inputMin)} max ${round(s.inputMax)} mean ${round(s.inputMean)}`,
  ].join('\n');
}

function run(name: string, f: Flags): void {
  const opts: OpenDatasetOptions = {
    split: f.split,
    dataDir: f.dataDir,
    env: process.env,
    seed: f.seed,
    size: f.size,
    shape: f.shape === undefined ? undefined : parseShape(f.shape),
    numClasses: f.classes,
    noise: f.noise,
    seqLen: f.seqLen,
    vocabSize: f.vocab,
  };
  const ds = openDataset(name, opts);
  const bar = f.progress || process.stderr.isTTY ? new SingleBar({ stream: process.stderr, hideCursor: true, noTTYOutput: true }, Presets.shades_classic) : undefined;
  bar?.start(ds.size, 0);
  let summary: DatasetSummary;
  try {
    summary = summarizeDataset(ds, 1024, (done) => bar?.update(done));
  } finally {
    bar?.stop();
  }
  process.stdout.write(describe(ds, summary) + '\n');
}

export function register(program: Command): void {
  program
    .command('dataset')
    .description('open a dataset split and print its size, shapes, label counts and input range')
    .argument('<name>', `one of: ${datasetNames().join(', ')}`)
    .addOption(new Option('--split <split>', 'which split').choices(['train', 'test']).default('train'))
    .option('--data-dir <dir>', 'directory with the dataset files (else $DYNPIPE_DATA_DIR, else the system package dir)')
    .option('--size <n>', 'synthetic: samples; file datasets: use only the first n', intOption(1))
    .option('--seed <n>', 'synthetic: generator seed', intOption(0))
    .option('--shape <HxWxC>', 'synthetic-image: sample shape, e.g. 32x32x3')
    .option('--classes <n>', 'synthetic-image: number of classes', intOption(2))
    .option('--noise <w>', 'synthetic-image: noise weight', floatOption(0, 1))
    .option('--seq-len <n>', 'synthetic-tokens: sequence length', intOption(4))
    .option('--vocab <n>', 'synthetic-tokens: vocabulary size', intOption(4))
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .action(run);
}
