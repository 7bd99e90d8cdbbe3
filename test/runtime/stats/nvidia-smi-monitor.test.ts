import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { NvidiaSmiMonitor, type StartStream, type StreamProcess } from '../../../runtime/stats/nvidia-smi-monitor.js';
import type { RunTool } from '../../../runtime/stats/nvidia-smi.js';

const UUID = 'GPU-a380809e-924e-305b-844a-9053da557433';

/** A fake `nvidia-smi -lms` process: the test writes its stdout and ends it. */
class FakeStream extends EventEmitter implements StreamProcess {
  readonly stdout = new PassThrough();
  killed = false;
  kill(): void {
    this.killed = true;
    this.emit('exit');
  }
}

/** Lets the stream's 'data' events run. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('nvidia-smi monitor', () => {
  let clock = 0;
  let stream: FakeStream;
  let calls: string[];
  let apps: string;
  const run: RunTool = async (_file, args) => {
    calls.push(args[0]);
    return args[0].startsWith('--query-gpu') ? `0, ${UUID}, 7, 3\n` : apps;
  };
  const start: StartStream = (_file, args) => {
    calls.push(`stream ${args.join(' ')}`);
    return (stream = new FakeStream());
  };
  const monitor = (): NvidiaSmiMonitor => new NvidiaSmiMonitor(0, { intervalMs: 100, run, start, now: () => clock });
  beforeEach(() => {
    clock = 0;
    calls = [];
    apps = `563, ${UUID}\n564, ${UUID}\n777, GPU-other\n`;
  });

  it('answers from the latest streamed line and the last process count, without spawning per read', async () => {
    const m = monitor();
    m.start();
    assert.deepEqual(calls, ['stream --query-gpu=index,uuid,utilization.gpu,utilization.memory --format=csv,noheader,nounits -lms 100']);
    stream.stdout.write(`0, ${UUID}, 40, 5\n1, GPU-b, 99, 99\n0, ${UUID}, 9`); // the last line is not complete yet
    await tick();
    await m.refreshApps();
    assert.deepEqual(calls.slice(1), ['--query-compute-apps=pid,gpu_uuid']);
    assert.deepEqual(await m.read(563), { util: 0.4, memUtil: 0.05, otherProcs: 1 });
    stream.stdout.write(`5, 60\n`);
    await tick();
    clock = 400;
    assert.deepEqual(await m.read(1), { util: 0.95, memUtil: 0.6, otherProcs: 2 });
    assert.equal(calls.length, 2, 'reads spawned nothing');
    apps = '';
    await m.refreshApps();
    assert.deepEqual(await m.read(1), { util: 0.95, memUtil: 0.6, otherProcs: 0 });
    m.stop();
    assert.ok(stream.killed);
  });

  it('falls back to one-shot queries when the stream is stale or gone, or no process count is known', async () => {
    const m = monitor();
    m.start();
    stream.stdout.write(`0, ${UUID}, 40, 5\n`);
    await tick();
    // No refreshApps yet: one-shot (utilisation 7% from the one-shot query).
    assert.deepEqual(await m.read(1), { util: 0.07, memUtil: 0.03, otherProcs: 2 });
    await m.refreshApps();
    clock = 501; // older than 5 periods
    assert.deepEqual(await m.read(1), { util: 0.07, memUtil: 0.03, otherProcs: 2 });
    clock = 0;
    assert.deepEqual(await m.read(1), { util: 0.4, memUtil: 0.05, otherProcs: 2 });
    stream.emit('exit');
    assert.deepEqual(await m.read(1), { util: 0.07, memUtil: 0.03, otherProcs: 2 });
  });

  it('reads null where nvidia-smi is missing', async () => {
    const missing: RunTool = async () => {
      throw Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
    };
    const m = new NvidiaSmiMonitor(0, { run: missing, binary: 'dynpipe-no-such-nvidia-smi' });
    m.start(); // the real spawn fails with an 'error' event, which the monitor absorbs
    await m.refreshApps();
    assert.equal(await m.read(), null);
    m.stop();
  });
});
