/**
 * `dynpipe worker` as a user meets it before any training starts: --print-env, and one-line exit-2
 * errors for contradictory placement, a world size that does not fit the plan, a missing flag, and
 * a rank 0 that cannot listen where the coordinator is supposed to be.
 */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { runCli, tempDir, type CliResult } from '../../../support/cli.js';

/** Variables env-detect reads; the test's own environment must not leak into the child's placement. */
const PLACEMENT = /^(SLURM_|OMPI_COMM_WORLD_|DYNPIPE_(MASTER_|LAUNCHER)|MASTER_(ADDR|PORT)$|(LOCAL_)?RANK$|WORLD_SIZE$)/;

function worker(args: string[], env: Record<string, string>): Promise<CliResult> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!PLACEMENT.test(k)) clean[k] = v;
  return runCli(['worker', ...args], 30_000, { env: { ...clean, ...env } });
}

function oneLineFailure(r: CliResult, message: string): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr, `dynpipe: ${message}\n`);
}

describe('dynpipe worker (placement)', function () {
  this.timeout(60_000);
  const tmp = tempDir();
  const planPath = join(tmp.dir, 'plan.json');
  before(() =>
    writeFileSync(planPath, JSON.stringify({
      version: 1, model: { name: 'mlp', args: { hidden: 8, layers: 1 } }, num_blocks: 2, partition: [1, 1],
      stage_to_rank_map: { '0': [0], '1': [1] }, microbatch_size: 4, schedule: '1f1b',
    })),
  );
  after(() => tmp.cleanup());
  const torchrun = (rank: number, port: number) => ({ RANK: String(rank), WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) });

  it('--print-env prints each field with its value and source, and exits 0', async () => {
    const r = await worker(['--print-env', '--local-rank', '1'], { ...torchrun(1, 29400), MASTER_ADDR: '10.0.0.1' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'field                value     source',
        'rank                 1         RANK (torchrun)',
        'world size           2         WORLD_SIZE (torchrun)',
        'local rank           1         --local-rank',
        'coordinator address  10.0.0.1  MASTER_ADDR (env)',
        'coordinator port     29400     MASTER_PORT (env)',
        '',
      ].join('\n'),
    );
  });

  it('two launchers that disagree: one line naming both, exit 2', async () => {
    const r = await worker(['--print-env'], { ...torchrun(3, 29400), WORLD_SIZE: '4', SLURM_PROCID: '2', SLURM_NTASKS: '4' });
    oneLineFailure(r, 'rank: SLURM_PROCID=2 (slurm) disagrees with RANK=3 (torchrun); pass --rank, unset one, or set DYNPIPE_LAUNCHER');
  });

  it('a launcher world that does not fit the plan: one line naming the source and the plan, exit 2', async () => {
    const r = await worker(['--config-path', planPath, '--num-minibatches', '4'], { ...torchrun(1, 29400), WORLD_SIZE: '3' });
    oneLineFailure(r, `world size 3 from WORLD_SIZE (torchrun) does not match the plan's 2 ranks (${planPath}); start 2 workers`);
  });

  it('a missing --config-path: one line, exit 2', async () => {
    oneLineFailure(await worker(['--num-minibatches', '4'], torchrun(1, 29400)), '--config-path <plan.json> is required (only --print-env runs without it)');
  });

  it('rank 0 under a launcher, with the coordinator port taken: one line saying what to change, exit 2', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const r = await worker(['--config-path', planPath, '--num-minibatches', '4', '--backend', 'cpu', '--dataset', 'synthetic-image'], torchrun(0, port));
      assert.equal(r.code, 2, r.stderr);
      const last = r.stderr.trimEnd().split('\n').at(-1)!;
      assert.match(last, new RegExp(`^dynpipe: rank 0 runs the coordinator but cannot bind 'tcp://127\\.0\\.0\\.1:${port}': .+ \\(address 127\\.0\\.0\\.1:${port} from MASTER_ADDR \\(env\\) and MASTER_PORT \\(env\\)\\); .*--coordinator external`));
    } finally {
      taken.close();
    }
  });
});
