import { strict as assert } from 'node:assert';
import { derivedSlurmPort, DERIVED_PORT_BASE, DERIVED_PORT_SPAN } from '../../../runtime/launch/env-detect.js';
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
});
