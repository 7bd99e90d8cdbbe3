/**
 * CIFAR-10's binary version: files of 3073-byte records, each 1 label byte (0..9) then 3072
 * pixel bytes in CHW order (1024 red, 1024 green, 1024 blue, each 32x32 row-major). Train is
 * `data_batch_1.bin`..`data_batch_5.bin` in that order, test is `test_batch.bin`. Inputs become
 * HWC [32, 32, 3] with pixel/255 in [0, 1]; labels are class indices 0..9.
 */
import { DynpipeError } from '../errors.js';
import { ByteImageDataset, type ByteImages } from './byte-images.js';
import type { Split } from './dataset.js';
import { DATA_DIR_ENV, findDataFile, locateDataDir, readDataFile, type FileDatasetOptions } from './files.js';

const SIDE = 32;
const CHANNELS = 3;
const PLANE = SIDE * SIDE;
export const CIFAR_RECORD_BYTES = 1 + CHANNELS * PLANE;
const NUM_CLASSES = 10;

export const CIFAR10_FILES: Record<Split, string[]> = {
  train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
  test: ['test_batch.bin'],
};

/** One batch file's records: labels and HWC pixels. `source` names the file in errors. */
export function parseCifarBatch(bytes: Uint8Array, source: string): { labels: Uint8Array; pixels: Uint8Array } {
  if (bytes.length === 0 || bytes.length % CIFAR_RECORD_BYTES !== 0) {
    throw new DynpipeError('E_DATA', `${source}: truncated or wrong format: ${bytes.length} bytes is not a positive multiple of the ${CIFAR_RECORD_BYTES}-byte record`);
  }
  const count = bytes.length / CIFAR_RECORD_BYTES;
  const labels = new Uint8Array(count);
  const pixels = new Uint8Array(count * CHANNELS * PLANE);
  for (let n = 0; n < count; n++) {
    const rec = n * CIFAR_RECORD_BYTES;
    const label = bytes[rec];
    if (label >= NUM_CLASSES) {
      throw new DynpipeError('E_DATA', `${source}: record ${n} has label ${label}, outside 0..${NUM_CLASSES - 1}`);
    }
    labels[n] = label;
    const out = n * CHANNELS * PLANE;
    for (let c = 0; c < CHANNELS; c++) {
      const plane = rec + 1 + c * PLANE;
      for (let p = 0; p < PLANE; p++) pixels[out + p * CHANNELS + c] = bytes[plane + p];
    }
  }
  return { labels, pixels };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** CIFAR-10 has no Debian package: --data-dir or DYNPIPE_DATA_DIR names the directory. */
export function openCifar10(o: FileDatasetOptions): ByteImageDataset {
  const names = CIFAR10_FILES[o.split];
  const hint = `pass --data-dir DIR (or set ${DATA_DIR_ENV}) naming the extracted cifar-10-batches-bin directory`;
  const dir = locateDataDir({ dataset: 'cifar10', subdirs: ['cifar10', 'cifar-10-batches-bin'], dataDir: o.dataDir, env: o.env, marker: names[0], hint });
  const batches = names.map((f) => {
    const path = findDataFile(dir, f);
    return parseCifarBatch(readDataFile(path), path);
  });
  const images: ByteImages = { labels: concat(batches.map((b) => b.labels)), pixels: concat(batches.map((b) => b.pixels)), shape: [SIDE, SIDE, CHANNELS] };
  return new ByteImageDataset('cifar10', o.split, NUM_CLASSES, images);
}
