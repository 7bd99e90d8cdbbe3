/**
 * Plan changes across real processes (3 ranks, cpu, a 4-block mlp), scripted at microbatch 10:
 *
 *   old plan [2, 2]: stage 0 = rank 0, stage 1 (blocks 2-3) replicated on ranks 1 and 2
 *   new plan [1, 3]: stage 0 (block 0) replicated on ranks 0 and 1, stage 1 (blocks 1-3) = rank 2
 *
 * so rank 1 changes stage, becomes a new replica of block 0 and drops blocks 2-3, and rank 2 gains
 * block 1. Live migration (dynpipe) and checkpoint-and-restart (dynpipe-re) must both leave every
 * parameter and momentum slot bit-identical to the state at the cut, and the rest of training must
 * give exactly the losses of a fresh job resumed from that cut's checkpoint under the new plan.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { runCli, tempDir } from '../../support/cli.js';
import { verifySet } from '../../../runtime/checkpoint/checkpoint-store.js';
import { DATA, assertSameState, lossesOf, planJson, rowsOf, stateIn, writePlan } from './helpers.js';

const STEPS = 22;
const CUT = 10;

describe('plan changes (multi-process)', function () {
  this.timeout(120_000);
  const tmp = tempDir();
  let oldPlan: string;
  let newPlan: string;
  let resumedLosses: Array<[number, number]>;

  async function launch(name: string, args: string[]): Promise<string> {
    const dir = join(tmp.dir, name);
    const r = await runCli(['launch', '--num-minibatches', String(STEPS), ...DATA, '--log-dir', join(dir, 'logs'), '--quiet', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return dir;
  }

  before(() => {
    oldPlan = writePlan(tmp.dir, 'old.json', planJson([2, 2], [[0], [1, 2]]));
    newPlan = writePlan(tmp.dir, 'new.json', planJson([1, 3], [[0, 1], [2]]));
  });
  after(() => tmp.cleanup());

  it('live migration keeps every weight and optimizer slot, and continues exactly like a resumed job', async () => {
    const live = await launch('live', ['--plan', oldPlan, '--mode', 'dynpipe', '--change-at', `${CUT}:${newPlan}`, '--checkpoint-dir', join(tmp.dir, 'live', 'ckpt'), '--dump-dir', join(tmp.dir, 'live', 'dump')]);
    const ckpt = join(live, 'ckpt', `v1-mb${CUT}`);
    const { manifest } = await verifySet(ckpt);
    assert.equal(manifest.cutMicrobatch, CUT);
    assert.equal(manifest.weightVersion, CUT);
    assert.deepEqual(manifest.plan.partition, [1, 3]);
    const before = stateIn(ckpt);
    assert.equal([...before.keys()].filter((k) => k.startsWith('o/')).length, 8, 'a momentum slot for each of the 8 trainable parameters');
    assertSameState(stateIn(join(live, 'dump', 'post-v1')), before);
    for (const rank of [0, 1, 2]) {
      const rows = rowsOf(join(live, 'logs'), rank).filter((r) => r.row === 'repartition');
      assert.equal(rows.length, 1, `rank ${rank} logs one repartition`);
      const r = rows[0];
      assert.ok(r.row === 'repartition' && r.plan_version === 1 && r.iteration === CUT && r.pause_ms >= 0);
      assert.deepEqual(r.row === 'repartition' && [r.old_partition, r.new_partition], [[2, 2], [1, 3]]);
    }

    const resumed = await launch('resumed', ['--resume', ckpt]);
    resumedLosses = lossesOf(join(resumed, 'logs'), 2);
    assert.deepEqual(resumedLosses.map(([mb]) => mb), Array.from({ length: STEPS - CUT }, (_, k) => CUT + k));
    assert.deepEqual(lossesOf(join(live, 'logs'), 2, CUT), resumedLosses);
  });

  it('dynpipe-re restarts every rank from the checkpoint with the same state and the same losses', async () => {
    const re = await launch('re', ['--plan', oldPlan, '--mode', 'dynpipe-re', '--change-at', `${CUT}:${newPlan}`, '--checkpoint-dir', join(tmp.dir, 're', 'ckpt'), '--dump-dir', join(tmp.dir, 're', 'dump')]);
    const ckpt = join(re, 'ckpt', `v1-mb${CUT}`);
    assertSameState(stateIn(join(re, 'dump', 'post-v1')), stateIn(ckpt));
    assert.deepEqual(lossesOf(join(re, 'logs'), 2, CUT), resumedLosses);
    const before = lossesOf(join(re, 'logs'), 1).filter(([mb]) => mb < CUT);
    assert.equal(before.length, CUT, 'the restarted rank kept the rows of its first process');
    const restart = rowsOf(join(re, 'logs'), 0).filter((r) => r.row === 'repartition');
    assert.equal(restart.length, 1);
    assert.ok(restart[0].row === 'repartition' && restart[0].pause_ms > 0 && /dynpipe-re/.test(restart[0].detail ?? ''));
  });
});
