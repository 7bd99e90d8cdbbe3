/** The dataset a command uses when none is named: real Fashion-MNIST when installed, else synthetic. */
import { existsSync } from 'node:fs';
import { FASHION_MNIST_SYSTEM_DIR } from '../data/fashion-mnist.js';
import { DATA_DIR_ENV } from '../data/files.js';

export function defaultDatasetName(given: string | undefined, dataDir: string | undefined, say: (line: string) => void): string {
  if (given) return given;
  const dir = dataDir ?? process.env[DATA_DIR_ENV] ?? FASHION_MNIST_SYSTEM_DIR;
  if (existsSync(dir)) return 'fashion-mnist';
  say(`dynpipe: Fashion-MNIST not found at ${dir}; using the embedded synthetic-image dataset (apt-get install dataset-fashion-mnist, or pass --dataset/--data-dir)`);
  return 'synthetic-image';
}
