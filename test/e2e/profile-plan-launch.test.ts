/**
 * Offline planning end to end, as a user runs it: measure a zoo model's profile, plan it for N
 * ranks (pure pipeline and the optimum with replicas), and run each plan with `dynpipe launch`.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../support/cli.js';
import { parsePlan, worldSize } from '../../runtime/plan/plan.js';
import { parseProfile } from '../../profile/format.js';

describe('profile -> plan -> launch (multi-process)', function () {
  this.timeout(300_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('a measured mlp profile planned for 3 ranks runs, straight and replicated', async () => {
    const profilePath = join(tmp.dir, 'mlp.profile.json');
    let r = await runCli(['profile', '--model', 'mlp', '--arg', 'hidden=32', '--arg', 'layers=3', '--batch', '16', '--backend', 'wasm', '--warmup', '1', '--repeats', '2', '--out', profilePath]);
    assert.equal(r.code, 0, r.stderr);
    const profile = parseProfile(readFileSync(profilePath, 'utf8'), profilePath);
    assert.equal(profile.blocks.length, 4);
    for (const [name, extra] of [['straight', ['--max-replicas', '1']], ['best', []]] as const) {
      const planPath = join(tmp.dir, `${name}.json`);
      r = await runCli(['plan', '--profile', profilePath, '--ranks', '3', ...extra, '--out', planPath]);
      assert.equal(r.code, 0, r.stderr);
      const plan = parsePlan(readFileSync(planPath, 'utf8'), planPath);
      assert.equal(worldSize(plan), 3);
      if (name === 'straight') assert.equal(plan.partition.length, 3);
      r = await runCli(['launch', '--plan', planPath, '--num-minibatches', '12', '--dataset', 'fashion-mnist', '--train-samples', '512', '--backend', 'wasm', '--quiet']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /trained 12 microbatches/);
    }
  });
});
