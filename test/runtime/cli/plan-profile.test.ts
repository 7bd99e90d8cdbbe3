import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { blocksFromProfile } from '../../../partitioner/cost.js';
import { planPartition } from '../../../partitioner/pipedream-dp.js';
import { parseProfile } from '../../../profile/format.js';
import { parsePlan } from '../../../runtime/plan/plan.js';
import { pipedreamFixture, repoRoot } from '../../profile/fixture-path.js';

const cli = resolve(repoRoot, 'dist', 'runtime', 'cli', 'dynpipe.js');

function dynpipe(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A user mistake: exit code 2 and exactly one line on stderr. */
function failsWith(args: string[], message: string): void {
  const r = dynpipe(...args);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, `dynpipe: ${message}\n`);
}

describe('dynpipe profile / plan CLI', () => {
  let dir: string;
  let profilePath: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dynpipe-plan-'));
    profilePath = join(dir, 'vgg16.json');
    const r = dynpipe('profile', '--import', pipedreamFixture('vgg16').path, '--out', profilePath);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^vgg16: 39 blocks, 672\.535 ms forward\+backward per minibatch of 128/);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('imports graph.txt into a valid profile', () => {
    const profile = parseProfile(readFileSync(profilePath, 'utf8'), profilePath);
    assert.equal(profile.blocks.length, 39);
    assert.equal(profile.model.name, 'vgg16');
  });

  it('plans, prints the stage table and writes the plan the library computes', () => {
    const out = join(dir, 'ranks=4', 'plan.json');
    const r = dynpipe('plan', '--profile', profilePath, '--ranks', '4', '--objective', 'pipedream', '--bandwidth', '1.25', '--slowdown', 'r1=2', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^stage\s+blocks\s+ranks\s+compute ms\s+allreduce ms\s+link out ms\s+time ms\s+versions\s+GB\/rank\n/);
    assert.match(r.stdout, /predicted throughput: [\d.]+ samples\/s/);
    const plan = parsePlan(readFileSync(out, 'utf8'), out);
    const profile = parseProfile(readFileSync(profilePath, 'utf8'));
    const direct = planPartition({
      blocks: blocksFromProfile(profile),
      batchSize: 128,
      ranks: 4,
      bandwidthBytesPerS: 1.25e9,
      slowdown: [1, 2, 1, 1],
      objective: { kind: 'pipedream' },
    });
    assert.deepEqual(plan.partition, direct.stages.map((s) => s.blocks[1] - s.blocks[0]));
    assert.equal(plan.predicted?.bottleneck_ms, direct.bottleneckMs);
    assert.equal(plan.microbatch_size, 128);
  });

  it('converts a PipeDream hybrid_conf + partition and prices it with --profile', () => {
    const conf = join(dir, 'hybrid_conf.json');
    const part = join(dir, 'partition.json');
    writeFileSync(conf, JSON.stringify({ module_to_stage_map: [0, 1, 1], stage_to_rank_map: { '0': [0, 1, 2], '1': [3] } }));
    writeFileSync(part, JSON.stringify({ partition: [17, 22] }));
    const out = join(dir, 'imported.json');
    const r = dynpipe('plan', '--import-pipedream', conf, '--partition', part, '--profile', profilePath, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const plan = parsePlan(readFileSync(out, 'utf8'));
    assert.deepEqual(plan.stage_to_rank_map, { '0': [0, 1, 2], '1': [3] });
    assert.equal(plan.predicted?.stage_ms.length, 2);
  });

  it('ends every user mistake in one line', () => {
    failsWith(['plan', '--profile', join(dir, 'missing.json'), '--ranks', '2'], `cannot read ${join(dir, 'missing.json')}: no such file`);
    failsWith(['plan', '--profile', profilePath, '--ranks', '4', '--slowdown', 'r4=2'], '--slowdown: r4 is not a rank (ranks are 0..3)');
    failsWith(['plan', '--profile', profilePath, '--ranks', '4', '--slowdown', 'r1=fast'], "--slowdown: r1 factor must be a number > 0, got 'fast'");
    failsWith(['plan', '--ranks', '4'], 'plan: give --profile and --ranks (or --partition to import a plan)');
    failsWith(['plan', '--profile', profilePath, '--ranks', '4', '--batch', '8'], "plan: --batch is for imported plans; a plan from --profile takes the profile's model and batch size");
    failsWith(
      ['plan', '--profile', profilePath, '--ranks', '2', '--memory-per-rank', '0.3'],
      // node2's 1.64 GB output split over 2 replicas on the last ranks (one version): 0.822 GB.
      "block 0 'node2' alone needs 0.822 GB per rank (parameters + stashed activations), more than the 0.300 GB limit",
    );
    failsWith(['profile', '--import', profilePath, '--model', 'vgg16', '--out', join(dir, 'x.json')], 'profile: give exactly one of --import <graph.txt> or --model <name>');
    failsWith(['profile', '--import', profilePath, '--out', join(dir, 'x.json')], `${profilePath}:1: expected 'nodeN -- description -- forward_compute_time=..., backward_compute_time=..., activation_size=..., parameter_size=...'`);
  });
});
