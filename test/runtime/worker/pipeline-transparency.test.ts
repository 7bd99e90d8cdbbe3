/**
 * Transparency (torchgpipe's test_transparency, across processes): a pipeline with one microbatch
 * in flight is sequential SGD, so it must reproduce single-process `dynpipe train` with the same
 * seed: the same loss at every step and the same final weights. Also: a replicated stage (two
 * ranks splitting each microbatch) gives the same update as one rank with the whole microbatch.
 * On cpu, and on webgpu (lavapipe here, our WGSL kernels registered): each backend against its
 * own single-process run, since the two backends round differently.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../../support/cli.js';
import { parseRankLog } from '../../../runtime/log/rank-log.js';
import { decodeTensors, type HostTensor } from '../../../runtime/checkpoint/tensor-file.js';

const STEPS = 12;
const MODEL_ARGS = { hidden: 24, layers: 3 }; // 4 blocks: fc1 fc2 fc3 head
const DATA = ['--dataset', 'fashion-mnist', '--train-samples', '512'];
const COMMON = [...DATA, '--backend', 'cpu'];

function lossesOf(logDir: string, rank: number): number[] {
  const file = join(logDir, `rank-${rank}.csv`);
  return parseRankLog(readFileSync(file, 'utf8'), file)
    .flatMap((r) => (r.row === 'step' && r.loss !== undefined ? [r.loss] : []));
}

function weightsIn(dir: string): Map<string, HostTensor> {
  const all = new Map<string, HostTensor>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.weights')).sort()) {
    for (const [k, t] of decodeTensors(readFileSync(join(dir, f)), f).tensors) if (!all.has(k)) all.set(k, t);
  }
  return all;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const tol = rel * Math.max(1, Math.abs(expected[i]));
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

function plan(partition: number[], stageRanks: number[][], schedule: '1f1b' | 'gpipe' = '1f1b'): object {
  return {
    version: 1,
    model: { name: 'mlp', args: MODEL_ARGS },
    num_blocks: 4,
    partition,
    stage_to_rank_map: Object.fromEntries(stageRanks.map((r, s) => [String(s), r])),
    microbatch_size: 16,
    schedule,
    in_flight: 1,
    microbatches_per_step: 1,
    training: { optimizer: 'momentum', lr: 0.05, momentum: 0.9, weight_decay: 0, seed: 3 },
  };
}

/** `dynpipe train` flags of the single-process reference run (the plan's training section, as flags). */
function referenceTrainFlags(steps: number): string[] {
  return [
    'train', '--model', 'mlp', '--model-args', 'hidden=24,layers=3', '--batch-size', '16', '--max-steps', String(steps),
    '--optimizer', 'momentum', '--lr', '0.05', '--momentum', '0.9', '--seed', '3', '--no-eval',
  ];
}

describe('pipeline transparency (multi-process)', function () {
  this.timeout(240_000);
  const tmp = tempDir();
  let refLosses: number[];
  let refWeights: Map<string, HostTensor>;

  before(async () => {
    const r = await runCli([...referenceTrainFlags(STEPS), ...COMMON, '--log-dir', join(tmp.dir, 'ref'), '--save-weights', join(tmp.dir, 'ref', 'final.weights')]);
    assert.equal(r.code, 0, r.stderr);
    refLosses = lossesOf(join(tmp.dir, 'ref'), 0);
    refWeights = weightsIn(join(tmp.dir, 'ref'));
    assert.equal(refLosses.length, STEPS);
  });
  after(() => tmp.cleanup());

  async function launch(name: string, p: object): Promise<{ logs: string; weights: Map<string, HostTensor> }> {
    const dir = join(tmp.dir, name);
    const planPath = join(tmp.dir, `${name}.json`);
    writeFileSync(planPath, JSON.stringify(p));
    const r = await runCli(['launch', '--plan', planPath, '--num-minibatches', String(STEPS), ...COMMON, '--log-dir', join(dir, 'logs'), '--save-weights', join(dir, 'w'), '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    return { logs: join(dir, 'logs'), weights: weightsIn(join(dir, 'w')) };
  }

  for (const partition of [[2, 2], [1, 2, 1], [1, 1, 1, 1]]) {
    it(`${partition.length} stages ${JSON.stringify(partition)} reproduce single-process losses and weights`, async () => {
      const { logs, weights } = await launch(`p${partition.join('')}`, plan(partition, partition.map((_, s) => [s])));
      assertClose(lossesOf(logs, partition.length - 1), refLosses, 1e-5, 'loss');
      assert.deepEqual([...weights.keys()].sort(), [...refWeights.keys()].sort());
      for (const [k, t] of refWeights) assertClose(weights.get(k)!.data, t.data, 1e-5, k);
    });
  }

  it('gpipe with one microbatch per step equals single-process training', async () => {
    const { logs, weights } = await launch('gpipe', plan([1, 3], [[0], [1]], 'gpipe'));
    assertClose(lossesOf(logs, 1), refLosses, 1e-5, 'loss');
    for (const [k, t] of refWeights) assertClose(weights.get(k)!.data, t.data, 1e-5, k);
  });

  it('a stage replicated on two ranks gives the same updates as one rank with the whole microbatch', async () => {
    const { logs, weights } = await launch('replicated', plan([2, 2], [[0], [1, 2]]));
    const a = lossesOf(logs, 1);
    const b = lossesOf(logs, 2);
    assert.equal(a.length, STEPS);
    // Each replica's loss is the mean over its half; their mean is the whole microbatch's loss.
    assertClose(a.map((x, i) => (x + b[i]) / 2), refLosses, 1e-4, 'loss');
    for (const [k, t] of refWeights) assertClose(weights.get(k)!.data, t.data, 1e-4, k);
  });
});

/**
 * The same on webgpu: 2 stages against single-process webgpu training. Both runs use the same
 * kernels on the same shapes in the same order (our split-K sums add their slices in a fixed
 * order), so they agree to rounding; 1e-5 relative, as on cpu. Fewer steps than on cpu: on
 * lavapipe the first step of each process compiles every shader (Mesa's shader cache makes the
 * ranks' compiles cheap once the reference run has filled it).
 */
describe('pipeline transparency on webgpu (multi-process, lavapipe here)', function () {
  this.timeout(240_000);
  const steps = 6;
  const flags = [...DATA, '--backend', 'webgpu'];
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('2 stages [2, 2] reproduce single-process webgpu losses and weights', async () => {
    const ref = join(tmp.dir, 'ref');
    const single = await runCli([...referenceTrainFlags(steps), ...flags, '--log-dir', ref, '--save-weights', join(ref, 'final.weights')]);
    assert.equal(single.code, 0, single.stderr);
    const refLosses = lossesOf(ref, 0);
    assert.equal(refLosses.length, steps);

    const dir = join(tmp.dir, 'pipeline');
    const planPath = join(tmp.dir, 'plan.json');
    writeFileSync(planPath, JSON.stringify(plan([2, 2], [[0], [1]])));
    const r = await runCli(['launch', '--plan', planPath, '--num-minibatches', String(steps), ...flags, '--log-dir', join(dir, 'logs'), '--save-weights', join(dir, 'w'), '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assertClose(lossesOf(join(dir, 'logs'), 1), refLosses, 1e-5, 'loss');
    const weights = weightsIn(join(dir, 'w'));
    const refWeights = weightsIn(ref);
    assert.deepEqual([...weights.keys()].sort(), [...refWeights.keys()].sort());
    for (const [k, t] of refWeights) assertClose(weights.get(k)!.data, t.data, 1e-5, k);
  });
});
