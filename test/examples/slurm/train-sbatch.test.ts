import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, runCli } from '../../support/cli.js';
import { runCommand } from '../../support/process.js';
import { parseRankLog } from '../../../runtime/log/rank-log.js';
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

/** A 4-stage mlp pipeline, one rank per stage. */
const PLAN = {
  version: 1, model: { name: 'mlp', args: { hidden: 16, layers: 3 } }, num_blocks: 4, partition: [1, 1, 1, 1],
  stage_to_rank_map: { '0': [0], '1': [1], '2': [2], '3': [3] }, microbatch_size: 8, schedule: '1f1b',
  training: { optimizer: 'momentum', lr: 0.05, momentum: 0.9, weight_decay: 0, seed: 11 },
};
const MINIBATCHES = 16;
const DATA = ['--dataset', 'synthetic-image', '--train-samples', '256'];

/** The last stage's per-step losses, from its rank CSV. */
function lossesOf(logDir: string, rank: number): number[] {
  const file = join(logDir, `rank-${rank}.csv`);
  return parseRankLog(readFileSync(file, 'utf8'), file).flatMap((r) => (r.row === 'step' && r.loss !== undefined ? [r.loss] : []));
}

/** The cluster's environment without any DYNPIPE_* setting of the machine running the tests. */
function jobEnv(cluster: SlurmCluster, settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(cluster.env)) if (!k.startsWith('DYNPIPE')) env[k] = v;
  return Object.assign(env, settings);
}

describe('examples/slurm/train.sbatch', function () {
  this.timeout(120_000);
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

  it('trains a 4-rank pipeline (rank 0 also the coordinator) whose losses equal dynpipe launch with the same plan and seed', async () => {
    const dir = cluster!.dir;
    const planPath = join(dir, 'pipeline.json');
    writeFileSync(planPath, JSON.stringify(PLAN));
    const env = jobEnv(cluster!, {
      DYNPIPE: `${process.execPath} ${CLI}`, DYNPIPE_BACKEND: 'cpu', DYNPIPE_PLAN: planPath,
      DYNPIPE_MINIBATCHES: String(MINIBATCHES), DYNPIPE_LOG_DIR: join(dir, 'runs'),
    });
    const out = join(dir, 'pipeline.out');
    // The reference run and the job are independent: run them side by side.
    const [ref, r] = await Promise.all([
      runCli(['launch', '--plan', planPath, '--num-minibatches', String(MINIBATCHES), ...DATA, '--backend', 'cpu', '--log-dir', join(dir, 'ref'), '--quiet']),
      runCommand(['sbatch', '--wait', '--parsable', `--output=${out}`, `--chdir=${dir}`, SCRIPT, ...DATA], { env, timeoutMs: 100_000 }),
    ]);
    assert.equal(ref.code, 0, ref.stderr);
    const expected = lossesOf(join(dir, 'ref'), 3);
    assert.equal(expected.length, MINIBATCHES);
    const log = existsSync(out) ? readFileSync(out, 'utf8') : 'no output';
    assert.equal(r.code, 0, `${r.stderr}\n${log}`);
    const job = r.stdout.trim();
    assert.deepEqual(lossesOf(join(dir, 'runs', job), 3), expected);
    // One srun line was the whole launch: rank 0 ran the coordinator and printed the summary, and
    // ranks on this one node talked over ipc.
    assert.match(log, new RegExp(`^trained ${MINIBATCHES} microbatches in `, 'm'));
    assert.match(log, /^rank 0: coordinator listening on tcp:\/\/[\d.]+:\d+$/m);
    for (const rank of [0, 1, 2, 3]) assert.match(log, new RegExp(`^rank ${rank} on \\S+ at tcp://\\S+: ipc to ranks [\\d, ]+$`, 'm'));
  });
});
