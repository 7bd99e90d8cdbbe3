import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDataset } from '../../predictor/dataset.js';
import { runCli, tempDir } from '../support/cli.js';

/** Flags of a tiny collection: mlp split in 2 ranges at batch 4, one random mix of one interferer. */
const TINY = ['--model', 'mlp:hidden=16,layers=1', '--stages', '2', '--batches', '4', '--mixes', '1', '--max-interferers', '1', '--intensities', '1', '--microbatches', '2', '--rounds', '1', '--settle-ms', '50', '--gpu', 'none', '--backend', 'wasm'];

describe('dynpipe predictor collect (smoke run: real workloads, generator processes, host counters)', function () {
  this.timeout(60000);
  const tmp = tempDir('dynpipe-collect-');
  after(() => tmp.cleanup());

  it('collects the quiet mix and a cpu mix, then resumes the file with a net mix', async () => {
    const out = join(tmp.dir, 'data.csv');
    const first = await runCli(['predictor', 'collect', '--out', out, ...TINY, '--kinds', 'cpu'], 30000);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^collect: 8 new rows from 2 mix runs \(2 workloads on wasm, 2 mixes x 1 repeats, 0 runs already in /);
    const second = await runCli(['predictor', 'collect', '--out', out, ...TINY, '--kinds', 'net'], 30000);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^collect: 4 new rows from 1 mix runs .* 2 runs already in /);

    const text = readFileSync(out, 'utf8');
    assert.match(text, /^# collected .* with backend wasm: /m);
    const rows = parseDataset(text, out);
    assert.deepEqual([...new Set(rows.map((r) => r.mix))], ['none', 'cpu:1@*', 'net:1@0']);
    assert.deepEqual(rows.slice(0, 4).map((r) => [r.target, r.observer]), [
      ['mlp/0-1/b4', 'mlp/0-1/b4'],
      ['mlp/0-1/b4', 'mlp/1-2/b4'],
      ['mlp/1-2/b4', 'mlp/0-1/b4'],
      ['mlp/1-2/b4', 'mlp/1-2/b4'],
    ]);
    for (const r of rows) {
      assert.ok(r.slowdown > 0 && Number.isFinite(r.slowdown) && r.device.gpu_util === null, JSON.stringify(r));
      assert.ok(Math.abs(r.slowdown / (r.interferedMs / r.static.alone_ms) - 1) < 1e-4, 'rounded to 5 significant digits');
    }
    // The net interferer delays every send by at least its 5 ms base: visible in the observer's waits.
    const net = rows.filter((r) => r.mix === 'net:1@0');
    assert.ok(net.every((r) => r.device.send_wait_ms >= 5 && r.device.wait_fraction > 0), JSON.stringify(net.map((r) => r.device.send_wait_ms)));
    assert.ok(rows.filter((r) => r.mix !== 'net:1@0').every((r) => r.device.send_wait_ms === 0));
  });

  it('fails with one line on a bad flag', async () => {
    const r = await runCli(['predictor', 'collect', '--out', join(tmp.dir, 'x.csv'), '--model', 'vgg16:width', '--gpu', 'none'], 20000);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "dynpipe: --model 'vgg16:width': model argument 'width' is not key=value\n");
  });
});
