import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRankLogs } from '../../../../runtime/log/rank-log-files.js';
import { printPlan, straightPlan } from '../../../../runtime/plan/plan.js';
import { printProfile, type Profile } from '../../../../profile/format.js';
import { runCli, tempDir } from '../../../support/cli.js';

// 3 blocks, batch 8: stage times f + b = 3, 6 and 3 ms per microbatch under plan [1, 1, 1]
const profile: Profile = {
  version: 1, model: { name: 'test', args: {} }, batch_size: 8, backend: 'cpu', device: 'test', date: '2026-01-01T00:00:00Z', source: 'analytic',
  blocks: [1, 2, 1].map((f, i) => ({ name: `b${i}`, kind: 'dense' as const, forward_ms: f, backward_ms: 2 * f, activation_bytes: 0, param_bytes: 0, flops: 0 })),
};
const plan = straightPlan({ model: { name: 'test' }, partition: [1, 1, 1], microbatchSize: 8 });

describe('dynpipe simulate', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
    writeFileSync(join(tmp.dir, 'profile.json'), printProfile(profile));
    writeFileSync(join(tmp.dir, 'plan.json'), printPlan(plan));
    writeFileSync(join(tmp.dir, 'trace.csv'), 't_start,t_end,kind,target,intensity\n0.1,0.2,cpu,0,1\n');
  });
  afterEach(() => tmp.cleanup());

  it('simulates into rank logs, then --validate on its own output matches to 0 %', async () => {
    const out = join(tmp.dir, 'run');
    const p = (f: string): string => join(tmp.dir, f);
    const r = await runCli(['simulate', '--profile', p('profile.json'), '--plan', p('plan.json'), '--interference', p('trace.csv'), '--iterations', '60', '--latency-ms', '0', '--optimizer-gbps', '1', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^simulated 60 microbatches on 3 ranks \(pipedream\): 0\.\d+ s simulated, /);
    assert.match(r.stderr, /simulate: \d+ events in \d+\.\d+ s \(\d+ events\/s\)/);
    const rows = await readRankLogs(out);
    assert.equal(rows.filter((x) => x.row === 'step').length, 3 * 60);
    assert.deepEqual(rows.filter((x) => x.row === 'interference').map((x) => [x.rank, x.time_ms]), [[0, 100]]);
    const last = rows.filter((x) => x.row === 'step' && x.rank === 2).map((x) => x.time_ms);
    assert.equal(last[59] - last[58], 6); // the bottleneck stage's f + b, long after the interference
    const report = JSON.parse(readFileSync(join(out, 'simulation.json'), 'utf8')) as { microbatches: number; settings: { interference: string } };
    assert.equal(report.microbatches, 60);
    assert.equal(report.settings.interference, p('trace.csv'));
    const v = await runCli(['simulate', '--validate', out, '--profile', p('profile.json'), '--interference', p('trace.csv'), '--latency-ms', '0', '--optimizer-gbps', '1', '--validate-window', '10']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /\| 0 \| 0-10 \| \d+\.\d\d \| \d+\.\d\d \| 0\.0 % \|/);
    assert.match(v.stdout, /mean \|error\| 0\.0 %/);
  });

  it('fails with one line and exit code 2 on a user mistake', async () => {
    const noProfile = await runCli(['simulate', '--plan', join(tmp.dir, 'plan.json'), '--out', join(tmp.dir, 'x')]);
    assert.equal(noProfile.code, 2);
    assert.equal(noProfile.stderr, 'dynpipe: simulate: give --profile\n');
    const beyond = join(tmp.dir, 'beyond.csv');
    writeFileSync(beyond, 't_start,t_end,kind,target,intensity\n0,1,net,7,1\n');
    const r = await runCli(['simulate', '--profile', join(tmp.dir, 'profile.json'), '--plan', join(tmp.dir, 'plan.json'), '--interference', beyond, '--out', join(tmp.dir, 'x')]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `dynpipe: ${beyond} line 2: targets rank 7, but the job has ranks 0..2 (1 core(s) per rank, 1 rank(s) per GPU)\n`);
  });
});
