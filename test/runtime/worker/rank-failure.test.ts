/**
 * A dead rank must end the whole job quickly and clearly: kill -9 one worker of a running
 * `dynpipe launch` and every other rank and the launcher exit within 5 s, non-zero, naming the rank.
 */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCli, tempDir } from '../../support/cli.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('rank failure (multi-process)', function () {
  this.timeout(120_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('kill -9 of a middle rank ends every rank and the launcher within 5 s with a message naming it', async () => {
    const planPath = join(tmp.dir, 'plan.json');
    writeFileSync(planPath, JSON.stringify({
      version: 1, model: { name: 'mlp', args: { hidden: 16, layers: 2 } }, num_blocks: 3, partition: [1, 1, 1],
      stage_to_rank_map: { '0': [0], '1': [1], '2': [2] }, microbatch_size: 8, schedule: '1f1b',
    }));
    const { child, done } = startCli(['launch', '--plan', planPath, '--num-minibatches', '100000', '--dataset', 'synthetic-image', '--train-samples', '256', '--backend', 'cpu']);
    const pids = new Map<number, number>();
    let buffer = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`workers did not start: ${buffer}`)), 90_000);
      child.stderr!.on('data', (d) => {
        buffer += d;
        for (const m of buffer.matchAll(/rank (\d+) \(pid (\d+)\): stage/g)) pids.set(Number(m[1]), Number(m[2]));
        if (pids.size === 3) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await new Promise((r) => setTimeout(r, 1500)); // let training run
    const killedAt = Date.now();
    process.kill(pids.get(1)!, 'SIGKILL');
    const r = await done;
    const elapsed = Date.now() - killedAt;
    assert.notEqual(r.code, 0);
    assert.ok(elapsed < 5000, `launcher took ${elapsed} ms to exit`);
    assert.match(r.stderr, /dynpipe: rank 1 exited on SIGKILL/);
    for (const [rank, pid] of pids) assert.ok(!alive(pid), `rank ${rank} (pid ${pid}) still running`);
  });
});
