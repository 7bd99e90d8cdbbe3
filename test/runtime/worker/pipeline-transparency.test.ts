/**
 * Transparency (torchgpipe's test_transparency, across processes): a pipeline with one microbatch
 * in flight is sequential SGD, so it must reproduce single-process `dynpipe train` with the same
 * seed: the same loss at every step and the same final weights. Also: a replicated stage (two
 * ranks splitting each microbatch) gives the same update as one rank with the whole microbatch.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../../support/cli.js';
import { parseRankLog } from '../../../runtime/log/rank-log.js';
import { decodeTensors, type HostTensor } from '../../../runtime/checkpoint/tensor-file.js';

const STEPS = 12;
const MODEL_ARGS = { hidden: 24, layers: 3 }; // 4 blocks: fc1 fc2 fc3 head
const COMMON = ['--dataset', 'fashion-mnist', '--train-samples', '512', '--backend', 'cpu'];

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

describe('pipeline transparency (multi-process)', function () {
  this.timeout(240_000);
  const tmp = tempDir();
  let refLosses: number[];
  let refWeights: Map<string, HostTensor>;

  before(async () => {
    const r = await runCli([
      'train', '--model', 'mlp', '--model-args', 'hidden=24,layers=3', ...COMMON, '--batch-size', '16', '--max-steps', String(STEPS),
      '--optimizer', 'momentum', '--lr', '0.05', '--momentum', '0.9', '--seed', '3', '--no-eval',
      '--log-dir', join(tmp.dir, 'ref'), '--save-weights', join(tmp.dir, 'ref', 'final.weights'),
    ]);
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
