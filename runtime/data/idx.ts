/**
 * The IDX format of MNIST and Fashion-MNIST: a big-endian uint32 magic 0x000008NN (0x08 = unsigned
 * bytes, NN = number of dimensions), NN big-endian uint32 sizes, then the bytes in row-major
 * order. Images are 0x00000803 (count, rows, cols); labels 0x00000801 (count). Parsers take the
 * bytes and a `source` (the file name) that starts every error message.
 */
import { DynpipeError } from '../errors.js';
import { ByteImageDataset } from './byte-images.js';
import type { Split } from './dataset.js';
import { readDataFile } from './files.js';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count*rows*cols bytes, row-major. */
  pixels: Uint8Array;
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

/** Header sizes and payload of an unsigned-byte IDX array with the given magic. */
function parseIdx(bytes: Uint8Array, source: string, magic: number, what: string): { dims: number[]; data: Uint8Array } {
  const rank = magic & 0xff;
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DynpipeError('E_DATA', `${source}: truncated: ${bytes.length} bytes, an IDX ${what} header needs ${headerBytes}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const found = view.getUint32(0, false);
  if (found !== magic) {
    throw new DynpipeError('E_DATA', `${source}: wrong magic ${hex(found)}, expected ${hex(magic)} (IDX ${what})`);
  }
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const dataBytes = dims.reduce((a, b) => a * b, 1);
  const have = bytes.length - headerBytes;
  if (have < dataBytes) {
    throw new DynpipeError('E_DATA', `${source}: truncated: header says ${dims.join('x')} = ${dataBytes} bytes of ${what}, file has ${have}`);
  }
  if (have > dataBytes) {
    throw new DynpipeError('E_DATA', `${source}: ${have - dataBytes} unexpected bytes after the ${dims.join('x')} ${what}`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

export function parseIdxImages(bytes: Uint8Array, source: string): IdxImages {
  const { dims, data } = parseIdx(bytes, source, IDX_IMAGES_MAGIC, 'images');
  return { count: dims[0], rows: dims[1], cols: dims[2], pixels: data };
}

export function parseIdxLabels(bytes: Uint8Array, source: string): Uint8Array {
  return parseIdx(bytes, source, IDX_LABELS_MAGIC, 'labels').data;
}

export interface IdxPair {
  name: string;
  split: Split;
  imagesFile: string;
  labelsFile: string;
  rows: number;
  cols: number;
  numClasses: number;
}

/**
 * An image dataset from an IDX images file and an IDX labels file (.gz or raw), checked for
 * matching counts, the expected rows x cols, and labels below numClasses. Pixels become x/255.
 */
export function openIdxPair(p: IdxPair): ByteImageDataset {
  const images = parseIdxImages(readDataFile(p.imagesFile), p.imagesFile);
  const labels = parseIdxLabels(readDataFile(p.labelsFile), p.labelsFile);
  if (images.rows !== p.rows || images.cols !== p.cols) {
    throw new DynpipeError('E_DATA', `${p.imagesFile}: images are ${images.rows}x${images.cols}, expected ${p.rows}x${p.cols}`);
  }
  if (images.count !== labels.length) {
    throw new DynpipeError('E_DATA', `${p.imagesFile}: ${images.count} images, but ${p.labelsFile} has ${labels.length} labels`);
  }
  const bad = labels.findIndex((l) => l >= p.numClasses);
  if (bad >= 0) {
    throw new DynpipeError('E_DATA', `${p.labelsFile}: label ${labels[bad]} at index ${bad} is outside 0..${p.numClasses - 1}`);
  }
  return new ByteImageDataset(p.name, p.split, p.numClasses, { pixels: images.pixels, labels, shape: [p.rows, p.cols, 1] });
}
