/**
 * The launcher path without root: two workers placed torchrun-style (RANK, WORLD_SIZE, MASTER_ADDR,
 * MASTER_PORT) on this host, rank 0 running the coordinator in-process, train exactly as
 * `dynpipe launch` does with the same plan and seed; rank 0 prints the run summary.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { parseRankLog } from '../../../runtime/log/rank-log.js';
import { runCli, tempDir } from '../../support/cli.js';

const PLAN = {
  version: 1, model: { name: 'mlp', args: { hidden: 16, layers: 1 } }, num_blocks: 2, partition: [1, 1],
  stage_to_rank_map: { '0': [0], '1': [1] }, microbatch_size: 8, schedule: '1f1b',
  training: { optimizer: 'momentum', lr: 0.05, momentum: 0.9, weight_decay: 0, seed: 9 },
};
const COMMON = ['--num-minibatches', '8', '--dataset', 'synthetic-image', '--train-samples', '128', '--backend', 'cpu'];
const PLACEMENT = /^(SLURM_|OMPI_COMM_WORLD_|DYNPIPE_(MASTER_|LAUNCHER)|MASTER_(ADDR|PORT)$|(LOCAL_)?RANK$|WORLD_SIZE$)/;

function lossesOf(logDir: string, rank: number): number[] {
  const file = join(logDir, `rank-${rank}.csv`);
  return parseRankLog(readFileSync(file, 'utf8'), file).flatMap((r) => (r.row === 'step' && r.loss !== undefined ? [r.loss] : []));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('workers placed torchrun-style on one host', function () {
  this.timeout(120_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('rank 0 runs the coordinator in-process, and the losses equal dynpipe launch', async () => {
    const planPath = join(tmp.dir, 'plan.json');
    writeFileSync(planPath, JSON.stringify(PLAN));
    const ref = await runCli(['launch', '--plan', planPath, ...COMMON, '--log-dir', join(tmp.dir, 'ref'), '--quiet']);
    assert.equal(ref.code, 0, ref.stderr);

    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!PLACEMENT.test(k)) env[k] = v;
    const port = String(await freePort());
    const ranks = await Promise.all(
      [0, 1].map((rank) =>
        runCli(['worker', '--config-path', planPath, ...COMMON, '--log-dir', join(tmp.dir, 'env')], 90_000, {
          env: { ...env, RANK: String(rank), WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port },
        }),
      ),
    );
    ranks.forEach((r, i) => assert.equal(r.code, 0, `rank ${i}: ${r.stderr}`));
    assert.deepEqual(lossesOf(join(tmp.dir, 'env'), 1), lossesOf(join(tmp.dir, 'ref'), 1));
    assert.match(ranks[0].stderr, new RegExp(`^rank 0: coordinator listening on tcp://127\\.0\\.0\\.1:${port}$`, 'm'));
    assert.match(ranks[0].stdout, /^trained 8 microbatches in [\d.]+ s: [\d.]+ samples\/s(, final loss [\d.]+)?\nbusy: rank 0 \(stage 0\) [\d.]+%, rank 1 \(stage 1\) [\d.]+%\n$/);
    assert.equal(ranks[1].stdout, '');
    assert.match(ranks[1].stderr, /^rank 1 on \S+ at tcp:\/\/127\.0\.0\.1:\d+: ipc to rank 0$/m);
  });
});
