import { strict as assert } from 'node:assert';
import { NvidiaSmi, gpuCounters, parseQueryGpu, type RunTool } from '../../../runtime/stats/nvidia-smi.js';

// Captured on an H100 host while two CUDA busy-loop processes ran.
const QUERY_BUSY = '0, GPU-a380809e-924e-305b-844a-9053da557433, 100, 2\n';
const APPS_BUSY = '563, GPU-a380809e-924e-305b-844a-9053da557433\n564, GPU-a380809e-924e-305b-844a-9053da557433\n';
// The same host idle: no compute apps prints nothing.
const QUERY_IDLE = '0, GPU-a380809e-924e-305b-844a-9053da557433, 0, 0\n';

describe('nvidia-smi counters', () => {
  it('parses utilisation and counts the other compute processes on the GPU', () => {
    assert.deepEqual(gpuCounters(QUERY_BUSY, APPS_BUSY, 0, 563), { util: 1, memUtil: 0.02, otherProcs: 1 });
    assert.deepEqual(gpuCounters(QUERY_BUSY, APPS_BUSY, 0, 1), { util: 1, memUtil: 0.02, otherProcs: 2 });
    assert.deepEqual(gpuCounters(QUERY_IDLE, '', 0, 1), { util: 0, memUtil: 0, otherProcs: 0 });
    assert.equal(gpuCounters(QUERY_IDLE, '', 1, 1), null); // no GPU 1
    assert.deepEqual(parseQueryGpu('0, GPU-x, [N/A], [N/A]\n'), []);
  });

  it('gives null without nvidia-smi and stops spawning it after ENOENT', async () => {
    let calls = 0;
    const missing: RunTool = async () => {
      calls++;
      throw Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
    };
    const smi = new NvidiaSmi(0, missing);
    assert.equal(await smi.read(), null);
    assert.equal(await smi.read(), null);
    assert.equal(calls, 2); // both queries of the first read, none after
    const real = new NvidiaSmi(0, undefined, 2000, 'dynpipe-no-such-nvidia-smi');
    assert.equal(await real.read(), null);
  });

  it('passes counters through from a working nvidia-smi', async () => {
    const fake: RunTool = async (_file, args) => (args[0].startsWith('--query-gpu') ? QUERY_BUSY : APPS_BUSY);
    assert.deepEqual(await new NvidiaSmi(0, fake).read(564), { util: 1, memUtil: 0.02, otherProcs: 1 });
  });
});
