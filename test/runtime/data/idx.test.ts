import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFashionMnist, openMnist } from '../../../runtime/data/fashion-mnist.js';
import { idxBytes, tempDir, throwsOneLine, writeFile } from './helpers.js';

const IMAGES = 0x00000803;
const LABELS = 0x00000801;
const PIXELS = 28 * 28;

/** Pixel p of image n: a value that differs between images and positions. */
const pixel = (n: number, p: number) => (n * 37 + p * 11) % 256;

function imageBytes(count: number, side = 28): Uint8Array {
  const len = side * side;
  return Uint8Array.from({ length: count * len }, (_, i) => pixel(Math.floor(i / len), i % len));
}

interface PairOptions {
  gzip?: boolean;
  count?: number;
  labels?: number[];
  side?: number;
}

/** Writes train-images / train-labels into `dir`; returns their paths. */
function writePair(dir: string, o: PairOptions = {}): { images: string; labels: string } {
  const count = o.count ?? 3;
  const side = o.side ?? 28;
  const labels = o.labels ?? [7, 0, 9];
  return {
    images: writeFile(dir, 'train-images-idx3-ubyte', idxBytes(IMAGES, [count, side, side], imageBytes(count, side)), o.gzip),
    labels: writeFile(dir, 'train-labels-idx1-ubyte', idxBytes(LABELS, [labels.length], Uint8Array.from(labels)), o.gzip),
  };
}

describe('IDX loader (MNIST / Fashion-MNIST format)', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());
  const open = () => openFashionMnist({ split: 'train', dataDir: dir.path });

  for (const gzip of [false, true]) {
    it(`round-trips images and labels from ${gzip ? 'gzipped' : 'raw'} files, scaling pixels by 1/255`, () => {
      writePair(dir.path, { gzip });
      const ds = open();
      assert.equal(ds.size, 3);
      assert.deepEqual(ds.inputShape, [28, 28, 1]);
      assert.deepEqual(ds.labelShape, []);
      assert.equal(ds.numClasses, 10);
      const { x, y } = ds.gather([2, 0]);
      assert.deepEqual([...y], [9, 7]);
      assert.deepEqual(x, Float32Array.from({ length: 2 * PIXELS }, (_, i) => pixel(i < PIXELS ? 2 : 0, i % PIXELS) / 255));
    });
  }

  it('reads MNIST with the same loader, finding <DYNPIPE_DATA_DIR>/mnist', () => {
    const sub = join(dir.path, 'mnist');
    mkdirSync(sub);
    writePair(sub);
    const ds = openMnist({ split: 'train', env: { DYNPIPE_DATA_DIR: dir.path } });
    assert.equal(ds.name, 'mnist');
    assert.deepEqual([...ds.gather([0, 1, 2]).y], [7, 0, 9]);
  });

  it('prefers --data-dir over DYNPIPE_DATA_DIR', () => {
    const other = tempDir();
    try {
      writePair(dir.path, { labels: [1, 2, 3] });
      writePair(other.path, { labels: [4, 5, 6] });
      const ds = openMnist({ split: 'train', dataDir: dir.path, env: { DYNPIPE_DATA_DIR: other.path } });
      assert.deepEqual([...ds.gather([0, 1, 2]).y], [1, 2, 3]);
    } finally {
      other.remove();
    }
  });

  it('names the directory, the package and --data-dir when the directory is missing', () => {
    throwsOneLine(() => openFashionMnist({ split: 'test', dataDir: join(dir.path, 'nope') }), 'E_DATA', join(dir.path, 'nope'), 'apt-get install dataset-fashion-mnist', '--data-dir');
  });

  it('names a missing file', () => {
    writePair(dir.path);
    throwsOneLine(() => openFashionMnist({ split: 'test', dataDir: dir.path }), 'E_DATA', join(dir.path, 't10k-images-idx3-ubyte'), 'not found');
  });

  it('names a file whose data is truncated', () => {
    const { images } = writePair(dir.path);
    writeFileSync(images, idxBytes(IMAGES, [3, 28, 28], imageBytes(3).subarray(0, 100)));
    throwsOneLine(open, 'E_DATA', images, 'truncated');
  });

  it('names a file too short for its header', () => {
    const { labels } = writePair(dir.path, { gzip: true });
    writeFile(dir.path, 'train-labels-idx1-ubyte', Uint8Array.of(0, 0, 8, 1, 0), true);
    throwsOneLine(open, 'E_DATA', labels, 'truncated');
  });

  it('names a file with the wrong magic', () => {
    const { labels } = writePair(dir.path);
    writeFileSync(labels, idxBytes(IMAGES, [3, 1, 1], Uint8Array.of(1, 2, 3)));
    throwsOneLine(open, 'E_DATA', labels, 'magic 0x00000803', 'expected 0x00000801');
  });

  it('names both files when image and label counts differ', () => {
    const { images, labels } = writePair(dir.path, { labels: [1, 2] });
    throwsOneLine(open, 'E_DATA', images, labels, '3 images', '2 labels');
  });

  it('names a file whose images have the wrong shape', () => {
    const { images } = writePair(dir.path, { side: 32 });
    throwsOneLine(open, 'E_DATA', images, '32x32', '28x28');
  });

  it('names a label file with a label above 9', () => {
    const { labels } = writePair(dir.path, { labels: [1, 10, 2] });
    throwsOneLine(open, 'E_DATA', labels, 'label 10', 'index 1');
  });

  it('names a corrupt gzip file', () => {
    const { labels } = writePair(dir.path, { gzip: true });
    writeFileSync(labels, Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3));
    throwsOneLine(open, 'E_DATA', labels, 'gzip');
  });

  it('names a file with bytes after its data', () => {
    const { labels } = writePair(dir.path);
    writeFileSync(labels, idxBytes(LABELS, [3], Uint8Array.of(1, 2, 3, 4)));
    throwsOneLine(open, 'E_DATA', labels, '1 unexpected bytes');
  });
});
