import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../runtime/models/zoo.js';
import { selectBackend } from '../../runtime/backend/select.js';
import { createStageTimer } from '../../profile/stage-workload.js';
import { isDynpipeError } from '../../runtime/errors.js';
import { denseSpec } from './dense-spec.js';

describe('stage workload timer', () => {
  before(async () => void (await selectBackend('cpu')));

  it('times whole training steps of a middle stage and waits on the send hook with the boundary bytes', async () => {
    const seen: Array<[number, number]> = [];
    const timer = await createStageTimer(denseSpec(), 1, 2, 8);
    try {
      const quiet = await timer.run(3, null);
      assert.equal(quiet.computeMs.length, 3);
      assert.equal(quiet.sends, 0);
      assert.deepEqual(quiet.sendWaitMs, [0, 0, 0]);
      const total = quiet.computeMs.reduce((a, b) => a + b, 0);
      assert.ok(quiet.computeMs.every((ms) => ms > 0) && total <= quiet.wallMs);
      const delayed = await timer.run(2, (toRank, bytes) => (seen.push([toRank, bytes]), 15));
      assert.deepEqual(seen, [[1, 128 * 4 * 8], [1, 128 * 4 * 8]]); // fc2 output: 128 floats x batch 8
      assert.equal(delayed.sends, 2);
      assert.ok(delayed.sendWaitMs.every((ms) => ms >= 14), `waited ${delayed.sendWaitMs} ms`);
      assert.ok(delayed.computeMs.every((c, i) => c + delayed.sendWaitMs[i] <= delayed.wallMs));
    } finally {
      timer.dispose();
    }
  });

  it('runs a last stage through its loss and a first stage on int32 tokens', async () => {
    const bert = buildModel('bert', { vocabSize: 16, seqLen: 4, hidden: 8, layers: 1, heads: 2, ffn: 8 });
    for (const [spec, a, b] of [[denseSpec(), 1, 3], [bert, 0, 1], [bert, 1, bert.blocks.length]] as const) {
      const timer = await createStageTimer(spec, a, b, 2);
      try {
        const r = await timer.run(2, null);
        assert.equal(r.computeMs.length, 2, `${spec.name} [${a}, ${b})`);
        const live = tf.memory().numTensors;
        await timer.run(3, null);
        assert.equal(tf.memory().numTensors, live, `${spec.name} [${a}, ${b}): a step leaks no tensor`);
      } finally {
        timer.dispose();
      }
    }
  });

  it('refuses a range outside the model', async () => {
    await assert.rejects(createStageTimer(denseSpec(), 2, 4, 1), (e: unknown) => isDynpipeError(e, 'E_MODEL') && /\[2, 4\)/.test(e.message));
  });
});
