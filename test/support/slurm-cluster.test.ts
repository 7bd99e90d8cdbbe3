import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, runCommand } from './process.js';
import { skipSuiteIf } from './skip.js';
import { clusterProcesses, slurmUnavailable, startSlurmCluster, waitForJob, type SlurmCluster } from './slurm-cluster.js';

async function waitUntil(cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

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

  it('sbatch --wait runs a batch script to the end; waitForJob reports a failing one', async () => {
    const dir = cluster!.dir;
    const script = join(dir, 'tiny.sbatch');
    writeFileSync(script, ['#!/bin/bash', '#SBATCH --ntasks=2', `#SBATCH --output=${dir}/tiny.out`, 'srun bash -c \'echo "task $SLURM_PROCID of $SLURM_NTASKS"\'', ''].join('\n'));
    const ok = await run(['sbatch', '--wait', '--quiet', script]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(readFileSync(join(dir, 'tiny.out'), 'utf8').trim().split('\n').sort(), ['task 0 of 2', 'task 1 of 2']);

    const failing = join(dir, 'fail.sbatch');
    writeFileSync(failing, ['#!/bin/bash', '#SBATCH --ntasks=1', `#SBATCH --output=${dir}/fail.out`, 'exit 3', ''].join('\n'));
    const id = (await run(['sbatch', '--parsable', failing])).stdout.trim();
    assert.deepEqual(await waitForJob(cluster!, id), { state: 'FAILED', exitCode: 3 });
  });

  it('stop() cancels running jobs, ends the daemons by pid and removes the cluster directory', async () => {
    const { pids, dir, conf } = cluster!;
    for (const pid of Object.values(pids)) assert.ok(isAlive(pid), `pid ${pid} should be running`);
    const id = (await run(['sbatch', '--parsable', `--output=${dir}/sleep.out`, '--wrap=sleep 300'])).stdout.trim();
    await waitUntil(async () => (await run(['squeue', '-h', '-j', id, '-o', '%T'])).stdout.trim() === 'RUNNING');
    assert.ok(clusterProcesses(conf, Object.values(pids)).length > 0, 'the sleeping job should show up as a cluster process');
    await cluster!.stop();
    for (const pid of Object.values(pids)) assert.equal(isAlive(pid), false, `pid ${pid} still running`);
    assert.deepEqual(clusterProcesses(conf, Object.values(pids)), []);
    assert.equal(existsSync(dir), false);
  });
});
