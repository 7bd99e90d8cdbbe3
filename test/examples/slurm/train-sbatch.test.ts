import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../../support/process.js';
import { skipSuiteIf } from '../../support/skip.js';
import { slurmUnavailable, startSlurmCluster, waitForJob, type SlurmCluster } from '../../support/slurm-cluster.js';

const SCRIPT = fileURLToPath(new URL('../../../../examples/slurm/train.sbatch', import.meta.url));
const ENV_DETECT = new URL('../../../runtime/launch/env-detect.js', import.meta.url).href;

/** Stands in for `dynpipe`: prints its arguments, what env-detect finds, and its gpus, as JSON. */
const STUB = `
const { detectLaunch } = await import(${JSON.stringify(ENV_DETECT)});
const d = detectLaunch(process.env);
console.log(JSON.stringify({
  argv: process.argv.slice(2),
  rank: d.rank.value, worldSize: d.worldSize.value, localRank: d.localRank.value,
  master: d.masterAddr.value + ':' + d.masterPort.value,
  gpus: process.env.CUDA_VISIBLE_DEVICES ?? process.env.SLURM_STEP_GPUS ?? '',
}));`;

describe('examples/slurm/train.sbatch', function () {
  let cluster: SlurmCluster | undefined;

  before(async function () {
    skipSuiteIf(this, slurmUnavailable());
    cluster = await startSlurmCluster({ gpus: 4, warmUpBatch: false }); // waitForJob polls fast itself
  });
  after(async () => cluster?.stop());

  it('starts one worker per task with one gpu each, the documented flags, and extra arguments', async () => {
    const dir = cluster!.dir;
    writeFileSync(join(dir, 'stub.mjs'), STUB);
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(cluster!.env)) if (!k.startsWith('DYNPIPE')) env[k] = v;
    Object.assign(env, { DYNPIPE: `${process.execPath} ${join(dir, 'stub.mjs')}`, DYNPIPE_LOG_DIR: join(dir, 'runs'), DYNPIPE_MINIBATCHES: '64' });
    const out = join(dir, 'train.out');
    const r = await runCommand(['sbatch', '--parsable', `--output=${out}`, `--chdir=${dir}`, SCRIPT, '--dataset', 'synthetic-image'], { env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const job = r.stdout.trim();
    const end = await waitForJob(cluster!, job);
    assert.deepEqual(end, { state: 'COMPLETED', exitCode: 0 }, existsSync(out) ? readFileSync(out, 'utf8') : 'no output');
    const logDir = join(dir, 'runs', job);
    assert.ok(existsSync(logDir), `${logDir} was not created`);

    const workers = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).sort((x, y) => x.rank - y.rank);
    const argv = ['worker', '--config-path', 'plan.json', '--num-minibatches', '64', '--backend', 'webgpu', '--mode', 'pipedream', '--log-dir', logDir, '--dataset', 'synthetic-image'];
    const master = workers[0].master;
    assert.match(master, new RegExp(`^${cluster!.nodeName}:\\d+$`));
    assert.deepEqual(
      workers.map(({ gpus, ...w }) => w),
      [0, 1, 2, 3].map((rank) => ({ argv, rank, worldSize: 4, localRank: rank, master })),
    );
    // --gpus-per-task=1: each task is given one gpu of its own.
    const gpus = workers.map((w) => w.gpus);
    assert.ok(gpus.every((g) => /^\d+$/.test(g)), `gpus per task: ${gpus.join(' | ')}`);
    assert.equal(new Set(gpus).size, 4, `gpus per task: ${gpus.join(' | ')}`);
  });
});
