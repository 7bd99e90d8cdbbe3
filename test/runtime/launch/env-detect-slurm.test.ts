import { strict as assert } from 'node:assert';
import { derivedSlurmPort, DERIVED_PORT_BASE, DERIVED_PORT_SPAN } from '../../../runtime/launch/env-detect.js';
import { CLI } from '../../support/cli.js';
import { runCommand } from '../../support/process.js';
import { skipSuiteIf } from '../../support/skip.js';
import { slurmUnavailable, startSlurmCluster, type SlurmCluster } from '../../support/slurm-cluster.js';

/** Each task prints its detection and the job id it saw, as one JSON line. */
const TASK = `
  const { detectLaunch } = await import(process.argv[1]);
  const d = detectLaunch(process.env);
  const pick = (f) => [d[f].value, d[f].source.kind];
  console.log(JSON.stringify({
    rank: pick('rank'), worldSize: pick('worldSize'), localRank: pick('localRank'),
    masterAddr: pick('masterAddr'), masterPort: pick('masterPort'),
    job: Number(process.env.SLURM_JOB_ID),
  }));`;

describe('env-detect under a real srun', function () {
  let cluster: SlurmCluster | undefined;

  before(async function () {
    skipSuiteIf(this, slurmUnavailable());
    cluster = await startSlurmCluster({ warmUpBatch: false });
  });
  after(async () => cluster?.stop());

  it('gives each of 4 tasks its own rank and all of them one coordinator address and port', async () => {
    const module = new URL('../../../runtime/launch/env-detect.js', import.meta.url).href;
    const r = await runCommand(['srun', '-n', '4', process.execPath, '--input-type=module', '-e', TASK, module], { env: cluster!.env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const tasks = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).sort((x, y) => x.rank[0] - y.rank[0]);
    const { job } = tasks[0];
    const port = derivedSlurmPort(job);
    assert.ok(port >= DERIVED_PORT_BASE && port < DERIVED_PORT_BASE + DERIVED_PORT_SPAN, `port ${port}`);
    assert.deepEqual(
      tasks,
      [0, 1, 2, 3].map((i) => ({
        rank: [i, 'slurm'],
        worldSize: [4, 'slurm'],
        localRank: [i, 'slurm'], // one node: local ids equal ranks
        masterAddr: [cluster!.nodeName, 'slurm'],
        masterPort: [port, 'slurm'],
        job,
      })),
    );
  });

  it('dynpipe worker --print-env under srun -n 4: ranks 0..3, each with source slurm', async () => {
    // --label prefixes each line with its task, so the four tables can be told apart.
    const r = await runCommand(['srun', '-n', '4', '--label', process.execPath, CLI, 'worker', '--print-env'], { env: cluster!.env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const rows = new Map<number, string[]>();
    for (const line of r.stdout.trim().split('\n')) {
      const m = /^\s*(\d+): (.*)$/.exec(line);
      assert.ok(m, `unlabelled line: ${line}`);
      rows.set(Number(m[1]), [...(rows.get(Number(m[1])) ?? []), m[2].replace(/\s+/g, ' ')]);
    }
    const node = cluster!.nodeName;
    for (const task of [0, 1, 2, 3]) {
      const [, rank, world, local, addr, port] = rows.get(task) ?? [];
      assert.equal(rank, `rank ${task} SLURM_PROCID (slurm)`);
      assert.equal(world, 'world size 4 SLURM_NTASKS (slurm)');
      assert.equal(local, `local rank ${task} SLURM_LOCALID (slurm)`);
      assert.match(addr, new RegExp(`^coordinator address ${node} first host of SLURM_STEP_NODELIST=${node} \\(slurm\\)$`));
      assert.match(port, /^coordinator port \d+ derived from SLURM_JOB_ID=\d+ \(slurm\)$/);
    }
  });

  it('a flag or variable that contradicts srun\'s: one line from the worker, exit 2', async () => {
    const env = { ...cluster!.env, RANK: '3' }; // srun passes the environment on: SLURM_PROCID=0 and RANK=3
    const r = await runCommand(['srun', '-n', '1', process.execPath, CLI, 'worker', '--print-env'], { env, timeoutMs: 60_000 });
    assert.equal(r.code, 2, r.stderr);
    const ours = r.stderr.split('\n').filter((l) => l.startsWith('dynpipe:'));
    assert.deepEqual(ours, ['dynpipe: rank: SLURM_PROCID=0 (slurm) disagrees with RANK=3 (torchrun); pass --rank, unset one, or set DYNPIPE_LAUNCHER']);
    const flag = await runCommand(['srun', '-n', '1', process.execPath, CLI, 'worker', '--print-env', '--local-rank', '1'], { env: cluster!.env, timeoutMs: 60_000 });
    assert.equal(flag.code, 2, flag.stderr);
    const lines = flag.stderr.split('\n').filter((l) => l.startsWith('dynpipe:'));
    assert.deepEqual(lines, ['dynpipe: local rank 1 from --local-rank must be below world size 1 from SLURM_NTASKS (slurm)']);
  });
});
