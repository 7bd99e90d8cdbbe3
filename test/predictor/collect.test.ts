import { strict as assert } from 'node:assert';
import { collect, median, type CollectIo, type Workload, type WorkloadRun } from '../../predictor/collect.js';
import { runKey, type DatasetRow } from '../../predictor/dataset.js';
import { interfererSpec, type Mix } from '../../predictor/mix.js';
import { staticFeatures } from '../../predictor/features.js';
import type { HostObservation } from '../../predictor/observation.js';
import { quietDevice, tinySpec } from './fixtures.js';

/**
 * A fake device: workload w computes in base[w] ms per microbatch alone, except that its first
 * profiling run is 50% slower (a noisy neighbour the profile must ignore) and one microbatch of every
 * run is a 100 ms outlier (the median must ignore). A running cpu interferer multiplies compute by
 * (1 + intensity); a net interferer adds a 5 ms send per microbatch. The host observation reports
 * cpu_peer = the running cpu intensity.
 */
function fakeIo(log: string[]): CollectIo {
  const base: Record<string, number> = { a: 10, b: 40 };
  const runs: Record<string, number> = { a: 0, b: 0 };
  let cpu = 0;
  return {
    async runWorkload(w: Workload, sendDelay): Promise<WorkloadRun> {
      const noisy = runs[w.id]++ === 0 ? 1.5 : 1;
      const perMb = base[w.id] * (1 + cpu) * noisy;
      const send = sendDelay ? sendDelay(1, 100) : 0;
      log.push(`run ${w.id}${sendDelay ? ' +net' : ''}`);
      return { computeMs: [perMb, 100, perMb], sendWaitMs: [send, send, send], sends: sendDelay ? 3 : 0, wallMs: (2 * perMb + 100 + 3 * send) };
    },
    async startMix(mix: Mix) {
      log.push(`start ${mix.length}`);
      cpu = mix.reduce((s, i) => s + (i.kind === 'cpu' ? i.intensity : 0), 0);
      const net = mix.some((i) => i.kind === 'net');
      return {
        sendDelay: net ? () => 5 : null,
        stop: async () => {
          log.push('stop');
          cpu = 0;
        },
      };
    },
    async openWindow() {
      const seenCpu = cpu;
      return async (): Promise<HostObservation> => ({ ...quietDevice(), cpu_peer: seenCpu });
    },
  };
}

const workloads: Workload[] = [
  { id: 'a', static: staticFeatures(tinySpec(), 0, 2, 1) },
  { id: 'b', static: staticFeatures(tinySpec(), 2, 4, 1) },
];

async function all(gen: AsyncGenerator<DatasetRow[]>): Promise<DatasetRow[][]> {
  const out: DatasetRow[][] = [];
  for await (const rows of gen) out.push(rows);
  return out;
}

describe('predictor collection loop', () => {
  it('takes medians', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it('emits one row per (target, observer) pair with exact slowdowns against the best profiled run', async () => {
    const log: string[] = [];
    const mixes: Mix[] = [[], [interfererSpec('cpu', '0', 1)], [interfererSpec('net', '1', 0.5)]];
    const chunks = await all(collect({ workloads, mixes, repeats: 1, profileRuns: 2 }, fakeIo(log)));
    assert.deepEqual(log.slice(0, 5), ['run a', 'run b', 'run a', 'run b', 'start 0']); // profile twice, then mixes
    assert.equal(chunks.length, 3);
    const [quiet, cpu, net] = chunks;
    assert.deepEqual(cpu.map((r) => [r.target, r.observer, r.aloneMs, r.interferedMs, r.slowdown]), [
      ['a', 'a', 10, 20, 2],
      ['a', 'b', 10, 20, 2],
      ['b', 'a', 40, 80, 2],
      ['b', 'b', 40, 80, 2],
    ]);
    assert.ok(quiet.every((r) => r.slowdown === 1 && r.mix === 'none' && r.device.cpu_peer === 0));
    assert.ok(cpu.every((r) => r.device.self_compute_ratio === 2 && r.device.cpu_peer === 1));
    // Net adds 5 ms per microbatch: a goes 10 -> 15 ms, b 40 -> 45 ms; compute ratio stays 1.
    assert.deepEqual(net.filter((r) => r.observer === 'a').map((r) => r.slowdown), [1.5, 45 / 40]);
    const fromB = net.find((r) => r.target === 'a' && r.observer === 'b')!;
    assert.equal(fromB.device.send_wait_ms, 5);
    assert.equal(fromB.device.wait_fraction, 15 / (80 + 100 + 15));
    assert.equal(fromB.device.self_compute_ratio, 1);
    assert.deepEqual(fromB.static, workloads[0].static); // target's static features, observer's device
    assert.equal(fromB.device.self_flops_per_byte, workloads[1].static.flops_per_byte);
  });

  it('skips runs already collected, reports progress, and stops interferers even when a run fails', async () => {
    const log: string[] = [];
    const mixes: Mix[] = [[], [interfererSpec('cpu', '0', 0.5)]];
    const progress: string[] = [];
    const done = new Set([runKey('none', 0), runKey('none', 1), runKey('cpu:0.5@0', 0)]);
    const chunks = await all(collect({ workloads, mixes, repeats: 2, profileRuns: 1 }, fakeIo(log), { done, onProgress: (a, b) => progress.push(`${a}/${b}`) }));
    assert.deepEqual(chunks.map((c) => [c[0].mix, c[0].repeat]), [['cpu:0.5@0', 1]]);
    assert.deepEqual(progress, ['1/4', '2/4', '3/4', '4/4']);

    log.length = 0;
    const everything = new Set([...done, runKey('cpu:0.5@0', 1)]);
    assert.deepEqual(await all(collect({ workloads, mixes, repeats: 2, profileRuns: 1 }, fakeIo(log), { done: everything })), []);
    assert.deepEqual(log, [], 'nothing left to collect: not even the profile runs');

    const failing = fakeIo(log);
    const run = failing.runWorkload;
    let calls = 0;
    failing.runWorkload = async (w, d) => {
      if (++calls === 3) throw new Error('worker died');
      return run(w, d);
    };
    await assert.rejects(all(collect({ workloads, mixes: [[interfererSpec('cpu', '0', 1)]], repeats: 1, profileRuns: 1 }, failing)), /worker died/);
    assert.deepEqual(log, ['run a', 'run b', 'start 1', 'stop']);
  });
});
