/**
 * The README's main job: `dynpipe launch` with the embedded 4-rank plan (tinycnn, a replicated
 * middle stage, 1F1B with weight stashing) trains on the real Fashion-MNIST with the loss falling
 * like single-process training of the same steps (asynchronous 1F1B adds bounded staleness, so
 * the curves are close, not equal).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../../support/cli.js';
import { parseRankLog } from '../../../runtime/log/rank-log.js';
import { parseSummary } from '../../../runtime/log/summary.js';

const STEPS = 150;

function losses(dir: string, rank: number): number[] {
  const file = join(dir, `rank-${rank}.csv`);
  return parseRankLog(readFileSync(file, 'utf8'), file).flatMap((r) => (r.row === 'step' && r.loss !== undefined ? [r.loss] : []));
}

const mean = (a: number[]): number => a.reduce((s, x) => s + x, 0) / a.length;

describe('pipeline learning (multi-process, real data)', function () {
  this.timeout(300_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('the default 4-rank launch lowers the loss like single-process training', async () => {
    const common = ['--dataset', 'fashion-mnist', '--train-samples', '8192', '--backend', 'wasm'];
    const pipe = await runCli(['launch', '--num-minibatches', String(STEPS), ...common, '--log-dir', join(tmp.dir, 'pipe'), '--quiet']);
    assert.equal(pipe.code, 0, pipe.stderr);
    assert.match(pipe.stdout, /trained 150 microbatches/);
    const ref = await runCli(['train', '--model', 'tinycnn', ...common, '--batch-size', '32', '--max-steps', String(STEPS), '--lr', '0.02', '--no-eval', '--log-dir', join(tmp.dir, 'ref')]);
    assert.equal(ref.code, 0, ref.stderr);
    const p = losses(join(tmp.dir, 'pipe'), 3);
    const t = losses(join(tmp.dir, 'ref'), 0);
    assert.equal(p.length, STEPS);
    assert.ok(mean(p.slice(-20)) < 0.5 * mean(p.slice(0, 20)), `pipeline loss ${mean(p.slice(0, 20))} -> ${mean(p.slice(-20))}`);
    assert.ok(Math.abs(mean(p.slice(-20)) - mean(t.slice(-20))) < 0.2, `pipeline ${mean(p.slice(-20))} vs single-process ${mean(t.slice(-20))}`);
    const summary = parseSummary(readFileSync(join(tmp.dir, 'pipe', 'summary.json'), 'utf8'), 'summary.json');
    assert.equal(summary.busy.length, 4);
    assert.ok((summary.throughput_samples_per_s ?? 0) > 0);
  });
});
