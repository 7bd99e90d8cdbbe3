import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, runCommand } from './process.js';
import { skipSuiteIf } from './skip.js';
import { slurmUnavailable, startSlurmCluster, type SlurmCluster } from './slurm-cluster.js';

describe('slurm test cluster', function () {
  let cluster: SlurmCluster | undefined;

  before(async function () {
    skipSuiteIf(this, slurmUnavailable());
    cluster = await startSlurmCluster({ cpus: 8, gpus: 4 });
  });
  after(async () => cluster?.stop());

  const run = (argv: string[]) => runCommand(argv, { env: cluster!.env, cwd: cluster!.dir, timeoutMs: 60_000 });

  it('srun -n 4 starts tasks 0..3 of one step on a 2-core machine', async () => {
    const r = await run(['srun', '-n', '4', 'bash', '-c', 'echo $SLURM_PROCID $SLURM_NTASKS $SLURM_STEP_NODELIST']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').sort();
    const node = cluster!.nodeName;
    assert.deepEqual(lines, [`0 4 ${node}`, `1 4 ${node}`, `2 4 ${node}`, `3 4 ${node}`]);
  });

  it('schedules --gpus-per-task=1 on the fake gpus', async () => {
    const r = await run(['srun', '-n', '2', '--gpus-per-task=1', 'bash', '-c', 'echo $SLURM_PROCID']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').sort(), ['0', '1']);
  });

  it('sbatch --wait runs a batch script to the end and returns its exit code', async () => {
    const dir = cluster!.dir;
    const script = join(dir, 'tiny.sbatch');
    writeFileSync(script, ['#!/bin/bash', '#SBATCH --ntasks=2', `#SBATCH --output=${dir}/tiny.out`, 'srun bash -c \'echo "task $SLURM_PROCID of $SLURM_NTASKS"\'', ''].join('\n'));
    const ok = await run(['sbatch', '--wait', '--quiet', script]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(readFileSync(join(dir, 'tiny.out'), 'utf8').trim().split('\n').sort(), ['task 0 of 2', 'task 1 of 2']);

    const failing = join(dir, 'fail.sbatch');
    writeFileSync(failing, ['#!/bin/bash', '#SBATCH --ntasks=1', `#SBATCH --output=${dir}/fail.out`, 'exit 3', ''].join('\n'));
    assert.equal((await run(['sbatch', '--wait', '--quiet', failing])).code, 3);
  });

  it('stop() ends the three daemons by pid and removes the cluster directory', async () => {
    const { pids, dir } = cluster!;
    for (const pid of Object.values(pids)) assert.ok(isAlive(pid), `pid ${pid} should be running`);
    await cluster!.stop();
    for (const pid of Object.values(pids)) assert.equal(isAlive(pid), false, `pid ${pid} still running`);
    assert.equal(existsSync(dir), false);
  });
});
