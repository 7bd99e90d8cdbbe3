/**
 * Ranks that die or go silent mid-training, on a 3-rank 1-microbatch-in-flight pipeline that
 * checkpoints every 4 microbatches:
 *  - kill -9 of the middle rank with --restart-on-failure 1: the launcher relaunches every rank from
 *    the newest complete checkpoint and the job ends with the weights of an uninterrupted run;
 *  - SIGSTOP of a rank: its heartbeats stop; the job ends within the heartbeat timeout (plus the
 *    shutdown grace) with a message naming the rank and the last complete checkpoint;
 *  - a network cut of a rank (the transport's test hook): the same, detected by heartbeat.
 */
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { runCli, startCli, tempDir } from '../../support/cli.js';
import { COMMON, alive, assertSameWeights, rankPids, waitForFile, weightsIn, writePlan } from './launch-helpers.js';

const N = 40;
const CKPT = ['--checkpoint-every', '4'];
const HEARTBEAT_MS = 1500;
/**
 * Bound on detection + shutdown, far above what is needed (the timeout, a 250 ms check period, 2 s
 * of SIGTERM grace) so that a loaded machine cannot fail it, and far below the hours the job would
 * otherwise run (100,000 microbatches).
 */
const ENDS_WITHIN_MS = HEARTBEAT_MS + 20_000;

/** Ends a launcher a failed assertion left running (it stops its ranks on SIGTERM). */
function stopLauncher(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

describe('rank failure detection and recovery (multi-process)', function () {
  this.timeout(300_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const at = (...p: string[]) => join(tmp.dir, ...p);
  let plan: string;
  before(() => {
    plan = writePlan(tmp.dir, 'three', [1, 1, 1], 1);
  });

  it('kill -9 of the middle rank: --restart-on-failure relaunches from the last checkpoint and ends with the uninterrupted weights', async () => {
    const ref = await runCli(['launch', '--plan', plan, '--num-minibatches', String(N), ...COMMON, '--quiet', '--save-weights', at('ref-w')]);
    assert.equal(ref.code, 0, ref.stderr);
    const { child, done } = startCli(['launch', '--plan', plan, '--num-minibatches', String(N), ...COMMON, '--checkpoint-dir', at('kill'), ...CKPT, '--restart-on-failure', '1', '--save-weights', at('kill-w')]);
    const pids = await rankPids(child, 3);
    await waitForFile(at('kill', 'v0-mb4', 'manifest.json'));
    process.kill(pids.get(1)!, 'SIGKILL');
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /dynpipe launch: rank 1 exited on SIGKILL; restarting from .*kill\/v0-mb(\d+) \(microbatch \d+\) \(restart 1 of 1\)/);
    assertSameWeights(weightsIn(at('kill-w')), weightsIn(at('ref-w')), 'after the restart');
  });

  it('SIGSTOP of a rank: the job stops within the heartbeat timeout, naming the rank and the last checkpoint', async () => {
    const { child, done } = startCli(['launch', '--plan', plan, '--num-minibatches', '100000', ...COMMON, '--checkpoint-dir', at('stop'), ...CKPT, '--heartbeat-timeout-ms', String(HEARTBEAT_MS)]);
    let stopped: number | undefined;
    try {
      const pids = await rankPids(child, 3);
      await waitForFile(at('stop', 'v0-mb4', 'manifest.json'));
      const stoppedAt = Date.now();
      stopped = pids.get(2)!;
      process.kill(stopped, 'SIGSTOP');
      const r = await done;
      const elapsed = Date.now() - stoppedAt;
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /dynpipe: rank 2 stopped responding \(no heartbeat for \d+ ms\); last complete checkpoint: .*stop\/v0-mb\d+ \(microbatch \d+\); continue with --resume .*stop\n/);
      assert.ok(elapsed < ENDS_WITHIN_MS, `the launcher took ${elapsed} ms to end the job`);
      for (const [rank, pid] of pids) assert.ok(!alive(pid), `rank ${rank} (pid ${pid}) still running`);
    } finally {
      stopLauncher(child);
      if (stopped !== undefined && alive(stopped)) process.kill(stopped, 'SIGKILL');
    }
  });

  it('a network cut of a rank (transport test hook) is detected by heartbeat and ends the job naming it', async () => {
    const { child, done } = startCli(
      ['launch', '--plan', plan, '--num-minibatches', '100000', ...COMMON, '--checkpoint-dir', at('cut'), ...CKPT, '--heartbeat-timeout-ms', String(HEARTBEAT_MS)],
      { env: { DYNPIPE_TEST_NETWORK_CUT: '1:2000' } },
    );
    try {
      const pids = await rankPids(child, 3);
      const r = await done;
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /dynpipe: rank 1 stopped responding \(no heartbeat for \d+ ms\); (last complete checkpoint: .*cut\/v0-mb\d+|no complete checkpoint in .*cut yet)/);
      for (const [rank, pid] of pids) assert.ok(!alive(pid), `rank ${rank} (pid ${pid}) still running`);
    } finally {
      stopLauncher(child);
    }
  });
});
