/**
 * `dynpipe train` on the real Fashion-MNIST (Debian's dataset-fashion-mnist): a short run of the
 * embedded tinycnn must learn (test accuracy well above the 10% of chance), write its CSV log in
 * the runtime's format, and save weights; bad input ends in one line with exit code 2.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../../support/cli.js';
import { parseRankLog } from '../../../runtime/log/rank-log.js';
import { decodeTensors } from '../../../runtime/checkpoint/tensor-file.js';

describe('dynpipe train (real Fashion-MNIST)', function () {
  this.timeout(300_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('tinycnn on 4096 training samples reaches > 75% test accuracy on 1000 test samples', async () => {
    const r = await runCli([
      'train', '--model', 'tinycnn', '--dataset', 'fashion-mnist', '--train-samples', '4096', '--test-samples', '1000',
      '--epochs', '1', '--batch-size', '32', '--backend', 'wasm', '--log-dir', join(tmp.dir, 'log'), '--save-weights', join(tmp.dir, 'w.weights'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const m = /test accuracy ([\d.]+)%/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.ok(Number(m[1]) > 75, `test accuracy ${m[1]}%`);
    const file = join(tmp.dir, 'log', 'rank-0.csv');
    const rows = parseRankLog(readFileSync(file, 'utf8'), file);
    const steps = rows.filter((x) => x.row === 'step');
    assert.equal(steps.length, 128);
    const evals = rows.filter((x) => x.row === 'eval');
    assert.equal(evals.length, 1);
    assert.ok(Math.abs((evals[0] as { accuracy: number }).accuracy * 100 - Number(m[1])) < 0.005, "eval row matches the printed accuracy");
    const w = decodeTensors(readFileSync(join(tmp.dir, 'w.weights')), 'w.weights').tensors;
    assert.deepEqual([...w.keys()].sort(), ['0.b', '0.w', '2.b', '2.w', '4.b', '4.w']);
  });

  it('rejects an unknown model and a bad flag value in one line with exit code 2', async () => {
    for (const args of [['--model', 'nope'], ['--batch-size', 'x'], ['--dataset', 'cifar10', '--data-dir', join(tmp.dir, 'missing')]]) {
      const r = await runCli(['train', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('dynpipe') || l.startsWith('error')).length, 1, r.stderr);
    }
  });
});
