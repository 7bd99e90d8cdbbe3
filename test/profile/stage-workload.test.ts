import { strict as assert } from 'node:assert';
import { createStageTimer } from '../../profile/stage-workload.js';
import { isDynpipeError } from '../../runtime/errors.js';
import { denseSpec } from './dense-spec.js';

describe('stage workload timer', () => {
  it('times forward+backward per microbatch and waits on the send hook with the boundary bytes', async () => {
    const seen: Array<[number, number]> = [];
    const timer = await createStageTimer(denseSpec(), 1, 3, 8);
    try {
      const quiet = await timer.run(3, null);
      assert.equal(quiet.computeMs.length, 3);
      assert.equal(quiet.sends, 0);
      assert.deepEqual(quiet.sendWaitMs, [0, 0, 0]);
      const total = quiet.computeMs.reduce((a, b) => a + b, 0);
      assert.ok(quiet.computeMs.every((ms) => ms > 0) && total <= quiet.wallMs);
      const delayed = await timer.run(2, (toRank, bytes) => (seen.push([toRank, bytes]), 15));
      assert.deepEqual(seen, [[1, 10 * 4 * 8], [1, 10 * 4 * 8]]); // head output: 10 floats x batch 8
      assert.equal(delayed.sends, 2);
      assert.ok(delayed.sendWaitMs.every((ms) => ms >= 14), `waited ${delayed.sendWaitMs} ms`);
    } finally {
      timer.dispose();
    }
  });

  it('refuses a range outside the model', async () => {
    await assert.rejects(createStageTimer(denseSpec(), 2, 4, 1), (e: unknown) => isDynpipeError(e, 'E_MODEL') && /\[2, 4\)/.test(e.message));
  });
});
