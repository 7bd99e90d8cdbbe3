/**
 * `dynpipe repartition` against a running dynpipe job (live migration without a checkpoint, so
 * ranks migrate as soon as they drain): a plan for another world size is refused with the reason,
 * a valid one is applied, every rank logs it, and training completes every microbatch. Every rank
 * is slowed 4x (bench hook; it sleeps, so it costs no CPU) so the job outlives two CLI starts.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { runCli, startCli, tempDir } from '../../support/cli.js';
import { DATA, lossesOf, planJson, rowsOf, writePlan } from './helpers.js';

const STEPS = 100;

describe('dynpipe repartition (multi-process)', function () {
  this.timeout(120_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('refuses an incompatible plan and applies a valid one to a running job', async () => {
    const oldPlan = writePlan(tmp.dir, 'old.json', planJson([1, 2, 1], [[0], [1], [2]]));
    const newPlan = writePlan(tmp.dir, 'new.json', planJson([2, 1, 1], [[0], [1], [2]]));
    const badPlan = writePlan(tmp.dir, 'bad.json', planJson([2, 2], [[0], [1]]));
    const logs = join(tmp.dir, 'logs');
    const job = startCli(['launch', '--plan', oldPlan, '--mode', 'dynpipe', '--no-policy', '--num-minibatches', String(STEPS), ...DATA, '--log-dir', logs, '--quiet'], {
      env: { DYNPIPE_BENCH_SLOW: '0:4:0-,1:4:0-,2:4:0-' },
    });
    const port = await new Promise<string>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`no coordinator port in: ${err}`)), 60_000);
      job.child.stderr!.on('data', (d) => {
        err += d;
        const m = /coordinator at tcp:\/\/127\.0\.0\.1:(\d+)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const refused = await runCli(['repartition', '--plan', badPlan, '--master-port', port, '--timeout-ms', '30000']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /coordinator refused .*bad\.json: requested plan: uses 2 ranks, the job runs 3/);
    const applied = await runCli(['repartition', '--plan', newPlan, '--master-port', port, '--timeout-ms', '30000']);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^applied plan version 1 \[2, 1, 1\] at microbatch \d+, pause [\d.]+ ms\n$/);
    const cut = Number(/at microbatch (\d+)/.exec(applied.stdout)![1]);
    const done = await job.done;
    assert.equal(done.code, 0, done.stderr);
    for (const rank of [0, 1, 2]) {
      const rows = rowsOf(logs, rank).filter((r) => r.row === 'repartition');
      assert.equal(rows.length, 1);
      assert.ok(rows[0].row === 'repartition' && rows[0].iteration === cut && rows[0].plan_version === 1);
    }
    assert.deepEqual(lossesOf(logs, 2).map(([mb]) => mb), Array.from({ length: STEPS }, (_, k) => k), 'the last stage ran every microbatch once');
  });
});
