/**
 * Datasets by name: the one place a name (from a plan, a flag or a test) becomes a Dataset.
 * Options that do not apply to the named dataset are rejected rather than silently ignored.
 */
import { DynpipeError } from '../errors.js';
import { openCifar10 } from './cifar10.js';
import { firstSamples, type Dataset, type Split } from './dataset.js';
import { openFashionMnist, openMnist } from './fashion-mnist.js';
import type { Env } from './files.js';
import { openSyntheticImage, openSyntheticTokens } from './synthetic.js';

export type DatasetName = 'fashion-mnist' | 'mnist' | 'cifar10' | 'synthetic-image' | 'synthetic-tokens';

export interface OpenDatasetOptions {
  split: Split;
  /** File datasets: the directory (see files.ts: locateDataDir). */
  dataDir?: string;
  /** File datasets: where DYNPIPE_DATA_DIR is looked up; pass process.env from a CLI. */
  env?: Env;
  /** Synthetic datasets: generator seed (default 0). */
  seed?: number;
  /** Synthetic: samples in the split. File datasets: keep only the first `size` samples. */
  size?: number;
  /** synthetic-image: [height, width, channels]. */
  shape?: readonly number[];
  /** synthetic-image: number of classes. */
  numClasses?: number;
  /** synthetic-image: noise weight in [0, 1]. */
  noise?: number;
  /** synthetic-tokens: sequence length. */
  seqLen?: number;
  /** synthetic-tokens: vocabulary size including the special tokens. */
  vocabSize?: number;
}

type Option = Exclude<keyof OpenDatasetOptions, 'split' | 'env'>;

interface Entry {
  options: readonly Option[];
  open(o: OpenDatasetOptions): Dataset;
}

const FILE_OPTIONS: readonly Option[] = ['dataDir', 'size'];

function fileDataset(open: (o: OpenDatasetOptions) => Dataset): Entry {
  return { options: FILE_OPTIONS, open: (o) => (o.size === undefined ? open(o) : firstSamples(open(o), o.size)) };
}

const DATASETS: Record<DatasetName, Entry> = {
  'fashion-mnist': fileDataset(openFashionMnist),
  mnist: fileDataset(openMnist),
  cifar10: fileDataset(openCifar10),
  'synthetic-image': { options: ['seed', 'size', 'shape', 'numClasses', 'noise'], open: openSyntheticImage },
  'synthetic-tokens': { options: ['seed', 'size', 'seqLen', 'vocabSize'], open: openSyntheticTokens },
};

export function datasetNames(): DatasetName[] {
  return Object.keys(DATASETS) as DatasetName[];
}

export function isDatasetName(name: string): name is DatasetName {
  return Object.hasOwn(DATASETS, name);
}

/** Opens `name`'s `opts.split`; E_DATA for an unknown name (listing the valid ones), E_USAGE for a foreign option. */
export function openDataset(name: string, opts: OpenDatasetOptions): Dataset {
  if (!isDatasetName(name)) {
    throw new DynpipeError('E_DATA', `unknown dataset '${name}'; valid: ${datasetNames().join(', ')}`);
  }
  const entry = DATASETS[name];
  for (const key of Object.keys(opts) as Array<keyof OpenDatasetOptions>) {
    if (key === 'split' || key === 'env' || opts[key] === undefined) continue;
    if (!entry.options.includes(key)) {
      throw new DynpipeError('E_USAGE', `option ${key} does not apply to dataset ${name} (it takes: ${entry.options.join(', ')})`);
    }
  }
  if (opts.split !== 'train' && opts.split !== 'test') {
    throw new DynpipeError('E_USAGE', `split must be train or test, got '${String(opts.split)}'`);
  }
  return entry.open(opts);
}
