/**
 * `dynpipe launch --interference`: a 2-rank run with a real cpu generator on rank 0's core and a
 * net event on rank 1; each rank's log gets exactly the interference row of the event that hit it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRankLogs } from '../../../../runtime/log/rank-log-files.js';
import { isInterference } from '../../../../runtime/log/metrics.js';
import { runCli, tempDir } from '../../../support/cli.js';

const PLAN = fileURLToPath(new URL('../../../../../configs/mlp/ranks=2/straight.json', import.meta.url));

describe('dynpipe launch --interference', function () {
  this.timeout(200_000);

  it('replays cpu and net events and logs one row per rank hit', async () => {
    const tmp = tempDir();
    try {
      const trace = join(tmp.dir, 'trace.csv');
      writeFileSync(trace, 't_start,t_end,kind,target,intensity\n0,inf,cpu,0,0.5\n0,inf,net,1,1\n');
      const logs = join(tmp.dir, 'logs');
      const r = await runCli(['launch', '--plan', PLAN, '--num-minibatches', '6', '--dataset', 'synthetic-image', '--train-samples', '256', '--backend', 'cpu', '--quiet', '--cpu-map', '0;0', '--interference', trace, '--log-dir', logs], 180_000);
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      const rows = (await readRankLogs(logs)).filter(isInterference);
      assert.deepEqual(rows.map((w) => [w.rank, w.level]).sort(), [[0, 'light'], [1, 'heavy'], [1, 'light']]);
      assert.ok(rows.every((w) => w.duration_ms > 0));
    } finally {
      tmp.cleanup();
    }
  });
});
