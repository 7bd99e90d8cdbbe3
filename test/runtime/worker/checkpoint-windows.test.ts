/** The drained windows a checkpointing rank runs: cut at multiples of K, the same after a resume. */
import { strict as assert } from 'node:assert';
import { checkCheckpointEvery, windowsOf } from '../../../runtime/worker/checkpoint-windows.js';
import { straightPlan } from '../../../runtime/plan/plan.js';
import { dynpipeError } from '../transport/helpers.js';

describe('checkpoint windows', () => {
  it('cuts [first, end) at every multiple of K, and not at all without K', () => {
    assert.deepEqual(windowsOf(0, 10, 4), [[0, 4], [4, 8], [8, 10]]);
    assert.deepEqual(windowsOf(0, 8, 4), [[0, 4], [4, 8]]);
    assert.deepEqual(windowsOf(0, 10), [[0, 10]]);
    assert.deepEqual(windowsOf(3, 3, 4), []);
  });

  it('a job resumed at a cut runs exactly the windows the uninterrupted job ran after it', () => {
    for (const cut of [4, 8, 12]) assert.deepEqual(windowsOf(cut, 14, 4), windowsOf(0, 14, 4).filter(([a]) => a >= cut));
  });

  it('refuses a K that splits a gpipe flush, or is not a positive integer', () => {
    const gpipe = straightPlan({ model: { name: 'mlp' }, partition: [1, 2], microbatchSize: 4, schedule: 'gpipe' });
    const flushes = { ...gpipe, microbatches_per_step: 4 };
    assert.doesNotThrow(() => checkCheckpointEvery(flushes, 8));
    assert.throws(() => checkCheckpointEvery(flushes, 6), dynpipeError('E_USAGE', /--checkpoint-every 6 must be a multiple of the plan's microbatches_per_step 4/));
    assert.throws(() => checkCheckpointEvery(gpipe, 0), dynpipeError('E_USAGE', /--checkpoint-every must be an integer >= 1, got 0/));
  });
});
