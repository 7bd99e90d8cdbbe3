import { strict as assert } from 'node:assert';
import { availableParallelism } from 'node:os';
import { HostSampler, allowedCores } from '../../../runtime/stats/host-stats.js';
import { isDynpipeError } from '../../../runtime/errors.js';

function spin(ms: number): void {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) x += Math.sqrt(x + 1);
}

describe('host stats', () => {
  it('reports sane ranges over a busy window, with null GPU features where nvidia-smi is absent', async () => {
    const sampler = new HostSampler({ gpuIndex: null });
    const end = sampler.begin();
    spin(250);
    const obs = await end();
    // A spinning thread is always either on a CPU or waiting on a run queue, however busy the host.
    const onOrWaiting = obs.cpu_self + (obs.runq_wait_fraction ?? NaN);
    assert.ok(obs.cpu_self > 0.02 && onOrWaiting > 0.8 && onOrWaiting < 1.3, `cpu_self ${obs.cpu_self} + runq_wait_fraction ${obs.runq_wait_fraction} while spinning one thread`);
    for (const k of ['cpu_util_cores', 'cpu_util_machine'] as const) assert.ok(obs[k] > 0 && obs[k] <= 1, `${k} ${obs[k]}`);
    assert.ok(obs.cpu_peer >= 0 && obs.cpu_peer <= availableParallelism(), `cpu_peer ${obs.cpu_peer}`);
    assert.ok(obs.procs_running_per_core >= 0 && obs.load_avg_per_core >= 0);
    assert.ok(obs.cpu_pressure === null || (obs.cpu_pressure >= 0 && obs.cpu_pressure <= 1), `cpu_pressure ${obs.cpu_pressure}`);
    assert.ok(obs.membw_probe_gbps > 0.1 && obs.membw_probe_gbps < 1000, `membw ${obs.membw_probe_gbps} GB/s`);
    assert.deepEqual([obs.gpu_util, obs.gpu_mem_util, obs.gpu_procs], [null, null, null]);
  });

  it('takes GPU features from nvidia-smi when it answers', async () => {
    const sampler = new HostSampler({ nvidiaSmi: { read: async () => ({ util: 0.5, memUtil: 0.25, otherProcs: 2 }) } });
    const obs = await sampler.begin()();
    assert.deepEqual([obs.gpu_util, obs.gpu_mem_util, obs.gpu_procs], [0.5, 0.25, 2]);
  });

  it('is cheap enough to call every window', async () => {
    const sampler = new HostSampler({ gpuIndex: null });
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) await sampler.begin()();
    const msPerWindow = Number(process.hrtime.bigint() - t0) / 1e6 / 20;
    assert.ok(msPerWindow < 10, `${msPerWindow.toFixed(2)} ms per window`);
  });

  it('knows its allowed cores and refuses a core the machine lacks', () => {
    assert.ok(allowedCores().length >= 1);
    assert.throws(() => new HostSampler({ cores: [4096], gpuIndex: null }), (e: unknown) => isDynpipeError(e, 'E_USAGE') && /core 4096/.test(e.message));
  });
});
