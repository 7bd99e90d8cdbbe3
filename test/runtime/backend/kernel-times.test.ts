import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import { groupKernelTimes, kernelTimeTable, profileKernels, type KernelCall } from '../../../runtime/backend/kernel-times.js';
import { selectBackend } from '../../../runtime/backend/select.js';

const CALLS: KernelCall[] = [
  { kernel: 'Conv2D', inputShapes: [[2, 8, 8, 3], [3, 3, 3, 4]], ms: 1.5, detail: '' },
  { kernel: 'Add', inputShapes: [[2, 8, 8, 4], [4]], ms: 0.25, detail: '' },
  { kernel: 'Conv2D', inputShapes: [[2, 8, 8, 4], [3, 3, 4, 4]], ms: 2, detail: '' },
  { kernel: 'Conv2D', inputShapes: [[2, 8, 8, 3], [3, 3, 3, 4]], ms: 0.5, detail: '' },
  { kernel: 'Reshape', inputShapes: [[2, 8, 8, 4]], ms: NaN, detail: '' },
];

describe('kernel times', () => {
  it('groups calls by kernel, largest total first, unknown times counted as 0 ms', () => {
    assert.deepEqual(groupKernelTimes(CALLS, false), [
      { kernel: 'Conv2D', shapes: '', calls: 3, totalMs: 4, share: 4 / 4.25 },
      { kernel: 'Add', shapes: '', calls: 1, totalMs: 0.25, share: 0.25 / 4.25 },
      { kernel: 'Reshape', shapes: '', calls: 1, totalMs: 0, share: 0 },
    ]);
  });

  it('groups calls by kernel and input shapes', () => {
    const rows = groupKernelTimes(CALLS, true);
    assert.deepEqual(rows.map((r) => [r.kernel, r.shapes, r.calls, r.totalMs]), [
      ['Conv2D', '[2,8,8,3] [3,3,3,4]', 2, 2],
      ['Conv2D', '[2,8,8,4] [3,3,4,4]', 1, 2],
      ['Add', '[2,8,8,4] [4]', 1, 0.25],
      ['Reshape', '[2,8,8,4]', 1, 0],
    ]);
  });

  it('prints the top rows, one row for the rest and the total', () => {
    assert.equal(
      kernelTimeTable(groupKernelTimes(CALLS, false), 1),
      [
        '| kernel | calls | ms | share |',
        '|---|---:|---:|---:|',
        '| Conv2D | 3 | 4.000 | 94.1% |',
        '| (2 more) | 2 | 0.250 | 5.9% |',
        '| **total** | 5 | 4.250 | 100.0% |',
      ].join('\n'),
    );
  });

  it('records each kernel a run calls, with its input shapes (cpu backend)', async () => {
    await selectBackend('cpu');
    const a = tf.ones([3, 4]);
    const b = tf.ones([4, 2]);
    const calls = await profileKernels(() => tf.add(tf.matMul(a, b), 1));
    tf.dispose([a, b]);
    assert.deepEqual(calls.map((c) => c.kernel), ['BatchMatMul', 'Add']);
    assert.deepEqual(calls[0].inputShapes, [[3, 4], [4, 2]]);
    assert.ok(calls.every((c) => Number.isFinite(c.ms) && c.ms >= 0));
  });
});
