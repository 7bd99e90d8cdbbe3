/**
 * A rank that dies in the middle of a live migration (it kills itself after sending its first
 * tensor: DYNPIPE_TEST_MIGRATION_CRASH) must end the job with a clear error naming the change, the
 * phase and the dead rank — never continue on half-moved state — and the checkpoint taken at the
 * cut before anything moved must be complete on disk.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { runCli, tempDir } from '../../support/cli.js';
import { verifySet } from '../../../runtime/checkpoint/checkpoint-store.js';
import { DATA, planJson, stateIn, writePlan } from './helpers.js';

describe('migration failure (multi-process)', function () {
  this.timeout(120_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('a sender dying mid-transfer aborts the job naming it, with the cut\'s checkpoint intact', async () => {
    const oldPlan = writePlan(tmp.dir, 'old.json', planJson([1, 2, 1], [[0], [1], [2]]));
    const newPlan = writePlan(tmp.dir, 'new.json', planJson([2, 1, 1], [[0], [1], [2]])); // block 1 moves from rank 1 to rank 0
    const ckptDir = join(tmp.dir, 'ckpt');
    const r = await runCli(
      ['launch', '--plan', oldPlan, '--mode', 'dynpipe', '--num-minibatches', '20', ...DATA, '--change-at', `6:${newPlan}`, '--checkpoint-dir', ckptDir, '--migration-timeout-ms', '20000', '--quiet'],
      90_000,
      { env: { DYNPIPE_TEST_MIGRATION_CRASH: '1:1' } },
    );
    assert.notEqual(r.code, 0);
    const cut = join(ckptDir, 'v1-mb6');
    assert.match(r.stderr, /dynpipe: change to plan version 1 at microbatch 6 failed in phase 'migrate'; the checkpoint of the cut in .*v1-mb6 is complete: rank 1 exited on SIGKILL/);
    const { manifest } = await verifySet(cut);
    assert.equal(manifest.cutMicrobatch, 6);
    const state = stateIn(cut);
    assert.equal(state.size, 16, 'weights and momentum of all 8 trainable parameters');
  });
});
