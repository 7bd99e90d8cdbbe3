import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { openCifar10 } from '../../../runtime/data/cifar10.js';
import { tempDir, throwsOneLine, writeFile } from './helpers.js';

const RECORD = 3073;

/** Channel-major pixel (c, row, col) of record `id`, as CIFAR stores it. */
const chw = (id: number, c: number, row: number, col: number) => (id * 31 + c * 101 + row * 7 + col * 3) % 256;

/** One record per id: label byte, then the R, G and B planes, each 32x32 row-major. */
function records(items: Array<{ id: number; label: number }>): Uint8Array {
  const out = new Uint8Array(items.length * RECORD);
  items.forEach(({ id, label }, n) => {
    out[n * RECORD] = label;
    for (let c = 0; c < 3; c++) for (let r = 0; r < 32; r++) for (let k = 0; k < 32; k++) out[n * RECORD + 1 + c * 1024 + r * 32 + k] = chw(id, c, r, k);
  });
  return out;
}

describe('CIFAR-10 binary loader', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
    for (let b = 1; b <= 5; b++) writeFile(dir.path, `data_batch_${b}.bin`, records([{ id: 2 * b, label: b }, { id: 2 * b + 1, label: 9 - b }]));
    writeFile(dir.path, 'test_batch.bin', records([{ id: 100, label: 0 }, { id: 101, label: 3 }, { id: 102, label: 9 }]), true);
  });
  afterEach(() => dir.remove());

  it('concatenates data_batch_1..5 in order and converts CHW to HWC exactly', () => {
    const ds = openCifar10({ split: 'train', dataDir: dir.path });
    assert.equal(ds.size, 10);
    assert.deepEqual(ds.inputShape, [32, 32, 3]);
    assert.deepEqual([...ds.gather([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).y], [1, 8, 2, 7, 3, 6, 4, 5, 5, 4]);
    const sample = 7; // record id 2*4+1 = 9 in data_batch_4
    const { x } = ds.gather([sample]);
    for (let r = 0; r < 32; r++) for (let k = 0; k < 32; k++) for (let c = 0; c < 3; c++) {
      assert.equal(x[(r * 32 + k) * 3 + c], Math.fround(chw(9, c, r, k) / 255), `pixel (${r}, ${k}, ${c})`);
    }
  });

  it('reads a gzipped test_batch found in <DYNPIPE_DATA_DIR>/cifar-10-batches-bin', () => {
    const root = tempDir();
    try {
      const sub = join(root.path, 'cifar-10-batches-bin');
      mkdirSync(sub);
      writeFile(sub, 'test_batch.bin', records([{ id: 5, label: 6 }]), true);
      const ds = openCifar10({ split: 'test', env: { DYNPIPE_DATA_DIR: root.path } });
      assert.deepEqual([...ds.gather([0]).y], [6]);
    } finally {
      root.remove();
    }
  });

  it('names a truncated file', () => {
    const path = join(dir.path, 'data_batch_3.bin');
    writeFileSync(path, records([{ id: 0, label: 1 }]).subarray(0, RECORD - 1));
    throwsOneLine(() => openCifar10({ split: 'train', dataDir: dir.path }), 'E_DATA', path, '3072 bytes', 'multiple');
  });

  it('names a missing batch file', () => {
    rmSync(join(dir.path, 'data_batch_5.bin'));
    throwsOneLine(() => openCifar10({ split: 'train', dataDir: dir.path }), 'E_DATA', join(dir.path, 'data_batch_5.bin'), 'not found');
  });

  it('names the file and record of a label above 9', () => {
    const path = writeFile(dir.path, 'data_batch_2.bin', records([{ id: 0, label: 1 }, { id: 1, label: 10 }]));
    throwsOneLine(() => openCifar10({ split: 'train', dataDir: dir.path }), 'E_DATA', path, 'record 1', 'label 10');
  });

  it('asks for --data-dir when no directory is given', () => {
    throwsOneLine(() => openCifar10({ split: 'test', env: {} }), 'E_DATA', 'cifar10', '--data-dir', 'DYNPIPE_DATA_DIR');
  });
});
