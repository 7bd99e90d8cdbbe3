import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeneratorGroup, findOnPath } from '../../../profile/interfere/spawn.js';
import { interfererSpec } from '../../../predictor/mix.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { DYNPIPE, alive, allGone, cpuTicks, referenceWorkloadMs } from './helpers.js';

/** Starts `dynpipe interfere ...` and resolves with it and the generator pids once `count` have started. */
function startCli(args: string[], count: number): Promise<{ proc: ChildProcessWithoutNullStreams; pids: number[] }> {
  const proc = spawn(process.execPath, [DYNPIPE, 'interfere', ...args]);
  return new Promise((resolve, reject) => {
    const pids: number[] = [];
    let out = '';
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const l of lines) {
        const m = /^interfere: started \S+ pids ([\d,]+)/.exec(l);
        if (m) pids.push(...m[1].split(',').map(Number));
      }
      if (pids.length >= count) resolve({ proc, pids });
    });
    proc.on('exit', (code) => reject(new Error(`dynpipe interfere exited ${code} before starting: ${err.trim()}`)));
  });
}

function exited(proc: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve(proc.exitCode) : proc.once('exit', (code) => resolve(code))));
}

describe('interference generators', function () {
  this.timeout(30000);

  it('cpu at full intensity on the reference workload’s core slows it by more than 1.3x', async () => {
    assert.ok(findOnPath('taskset'), 'taskset (util-linux) is required to share one core');
    const iterations = 1e7; // about 0.5 s alone
    const alone = Math.min(await referenceWorkloadMs(0, iterations), await referenceWorkloadMs(0, iterations));
    const group = new GeneratorGroup();
    try {
      const g = await group.start(interfererSpec('cpu', '0', 1));
      assert.ok(g.pinned);
      const shared = await referenceWorkloadMs(0, iterations);
      assert.ok(shared / alone > 1.3, `alone ${alone.toFixed(0)} ms, sharing core 0 with the generator ${shared.toFixed(0)} ms (${(shared / alone).toFixed(2)}x)`);
    } finally {
      await group.stopAll();
    }
  });

  it('a paused generator idles (under 5 % of a core) and works again once resumed', async () => {
    // A paused generator is a live Node process waiting on its gate: its event loop and GC may
    // take a clock tick (10 ms) now and then, so "idle" is bounded, not zero. Running at intensity
    // 1 it takes a whole core, an order of magnitude more over the same window.
    const windowMs = 500;
    const ticksPerWindow = windowMs / 10;
    const group = new GeneratorGroup();
    try {
      const g = await group.start(interfererSpec('cpu', '*', 1));
      const [pid] = g.pids;
      await g.pause();
      await sleep(50);
      const paused0 = cpuTicks(pid);
      await sleep(windowMs);
      const pausedTicks = cpuTicks(pid) - paused0;
      assert.ok(pausedTicks <= 0.05 * ticksPerWindow, `${pausedTicks} ticks in ${windowMs} ms while paused`);
      await g.resume();
      const resumed0 = cpuTicks(pid);
      await sleep(windowMs);
      const resumedTicks = cpuTicks(pid) - resumed0;
      assert.ok(resumedTicks >= 0.25 * ticksPerWindow && resumedTicks > 5 * pausedTicks, `${resumedTicks} ticks in ${windowMs} ms after resume (${pausedTicks} while paused)`);
    } finally {
      await group.stopAll();
    }
  });

  it('gpu runs a WebGPU matmul loop on the available adapter and stops on request', async () => {
    const group = new GeneratorGroup({ matrixSize: 16 });
    const g = await group.start(interfererSpec('gpu', '0', 0.5));
    assert.match(g.details[0], /^16x16 matmul on /);
    assert.ok(alive(g.pids[0]));
    await g.stop();
    assert.ok(!alive(g.pids[0]));
    assert.deepEqual(group.pids, []);
  });

  it('leaves no orphans when `dynpipe interfere` is killed with SIGKILL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dynpipe-interfere-'));
    const trace = join(dir, 'trace.csv');
    writeFileSync(trace, 't_start,t_end,kind,target,intensity\n0,60,cpu,"0,1",0.2\n0,60,membw,*,0.2\n');
    const { proc, pids } = await startCli(['--schedule', trace, '--buffer-mb', '16'], 3);
    assert.equal(pids.length, 3);
    assert.ok(pids.every(alive));
    proc.kill('SIGKILL');
    await exited(proc);
    await allGone(pids, 3000);
  });

  it('stops every generator and exits 143 on SIGTERM', async () => {
    const { proc, pids } = await startCli(['--kind', 'cpu', '--intensity', '0.2', '--cores', '0'], 1);
    proc.kill('SIGTERM');
    assert.equal(await exited(proc), 143);
    await allGone(pids, 1000);
  });
});
