/**
 * Periodic checkpoints and a live plan change in one job (3 ranks, cpu, the 4-block mlp of
 * helpers.ts): a change scripted at microbatch 8 with --checkpoint-every 4 agrees a cut at or after
 * the window boundary 8, so the window [4, 8) ends first, writes its set under the old plan version,
 * and the next window applies the cut. After the change the ranks write their periodic sets under
 * the new plan version, and a job resumed from one of them ends with the live job's weights.
 */
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../../support/cli.js';
import { verifySet } from '../../../runtime/checkpoint/checkpoint-store.js';
import { assertSameWeights, weightsIn } from '../worker/launch-helpers.js';
import { DATA, planJson, writePlan } from './helpers.js';

const STEPS = 20;

describe('periodic checkpoints across a live plan change (multi-process)', function () {
  this.timeout(300_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const at = (...p: string[]) => join(tmp.dir, ...p);

  it('sets before the cut are of the old plan, after it of the new one; resuming from one ends with the live weights', async () => {
    const oldPlan = writePlan(tmp.dir, 'old.json', planJson([2, 2], [[0], [1, 2]]));
    const newPlan = writePlan(tmp.dir, 'new.json', planJson([1, 3], [[0, 1], [2]]));
    const ckpt = ['--checkpoint-every', '4', '--checkpoint-keep', '20'];
    const live = await runCli([
      'launch', '--plan', oldPlan, '--num-minibatches', String(STEPS), ...DATA, '--quiet', '--mode', 'dynpipe', '--no-policy',
      '--change-at', `8:${newPlan}`, '--checkpoint-dir', at('live'), ...ckpt, '--save-weights', at('live-w'),
    ]);
    assert.equal(live.code, 0, live.stderr);
    // The cut M is the latest hold point, at least 8; every rank holds long before 12 (1F1B keeps
    // stage 0 at most a few microbatches ahead), so M is in [8, 12).
    const sets = readdirSync(at('live'));
    const cut = Number(sets.map((n) => /^v1-mb(8|9|10|11)$/.exec(n)?.[1]).find((c) => c !== undefined));
    assert.deepEqual(sets.sort(), ['v0-mb4', 'v0-mb8', `v1-mb${cut}`, 'v1-mb12', 'v1-mb16', 'v1-mb20'].sort());

    const cutSet = await verifySet(at('live', `v1-mb${cut}`));
    assert.deepEqual(cutSet.manifest.plan.partition, [1, 3], 'the cut\'s set continues under the new plan');
    assert.deepEqual(cutSet.manifest.extra?.previous_partition, [2, 2]);
    assert.deepEqual(cutSet.manifest.files.map((f) => f.blocks), [[0, 1], [2, 3], [2, 3]], 'each rank saved its blocks of the old plan');
    const after16 = await verifySet(at('live', 'v1-mb16'));
    assert.deepEqual([after16.manifest.planVersion, after16.manifest.weightVersion], [1, 16]);
    assert.deepEqual(after16.manifest.files.map((f) => f.blocks), [[0], [0], [1, 2, 3]], 'periodic sets after the cut hold the new plan\'s blocks');

    const resumed = await runCli(['launch', '--num-minibatches', String(STEPS), ...DATA, '--quiet', '--resume', at('live', 'v1-mb16'), '--checkpoint-dir', at('resumed'), ...ckpt, '--save-weights', at('resumed-w')]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assertSameWeights(weightsIn(at('resumed-w')), weightsIn(at('live-w')), 'resumed after the plan change');
  });
});
