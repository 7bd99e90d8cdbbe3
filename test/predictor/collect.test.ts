import { strict as assert } from 'node:assert';
import { collect, median, type CollectIo, type Workload, type WorkloadRun } from '../../predictor/collect.js';
import { runKey, type DatasetRow } from '../../predictor/dataset.js';
import { interfererSpec, type Mix } from '../../predictor/mix.js';
import { rangeFeatures } from '../../predictor/features.js';
import type { HostObservation } from '../../predictor/observation.js';
import { quietDevice, tinySpec } from './fixtures.js';

interface FakeOptions {
  /** Background load grows linearly: the k-th run (counting every run) is (1 + k/8) times slower. */
  drift?: boolean;
  /** Every run has one extra 100 ms microbatch (a descheduled one the median must ignore). */
  outlier?: boolean;
}

/**
 * A fake device: workload w computes in base[w] ms per microbatch (2 microbatches per run). A
 * running (not paused) cpu interferer multiplies compute by (1 + its intensity); a net interferer
 * adds a 5 ms send per microbatch. The host observation reports cpu_peer = the cpu intensity running
 * when the window opened.
 */
function fakeIo(log: string[], o: FakeOptions = {}): CollectIo {
  const base: Record<string, number> = { a: 10, b: 40 };
  let k = 0;
  let cpu = 0;
  let paused = false;
  const running = (): number => (paused ? 0 : cpu);
  return {
    async runWorkload(w: Workload, sendDelay): Promise<WorkloadRun> {
      const perMb = base[w.id] * (1 + running()) * (o.drift ? 1 + k / 8 : 1);
      k++;
      const send = sendDelay ? sendDelay(1, 100) : 0;
      log.push(`run ${w.id}${running() > 0 ? ' +cpu' : ''}${sendDelay ? ' +net' : ''}`);
      const computeMs = o.outlier ? [perMb, 100, perMb] : [perMb, perMb];
      return { computeMs, sendWaitMs: computeMs.map(() => send), sends: sendDelay ? computeMs.length : 0, wallMs: computeMs.reduce((s, c) => s + c + send, 0) };
    },
    async startMix(mix: Mix) {
      log.push(`start ${mix.length}`);
      cpu = mix.reduce((s, i) => s + (i.kind === 'cpu' ? i.intensity : 0), 0);
      const net = mix.some((i) => i.kind === 'net');
      return {
        sendDelay: net ? () => 5 : null,
        pause: async () => void (log.push('pause'), (paused = true)),
        resume: async () => void (log.push('resume'), (paused = false)),
        stop: async () => {
          log.push('stop');
          cpu = 0;
        },
      };
    },
    async openWindow() {
      const seenCpu = running();
      return async (): Promise<HostObservation> => ({ ...quietDevice(), cpu_peer: seenCpu });
    },
  };
}

const workloads: Workload[] = [
  { id: 'a', static: rangeFeatures(tinySpec(), 0, 2, 1) },
  { id: 'b', static: rangeFeatures(tinySpec(), 2, 4, 1) },
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

  it('interleaves alone runs (mix paused) with interfered runs in ABBA order', async () => {
    const log: string[] = [];
    await all(collect({ workloads: [workloads[0]], mixes: [[interfererSpec('cpu', '0', 1)]], repeats: 1, rounds: 3 }, fakeIo(log)));
    const alone = ['pause', 'run a', 'resume'];
    const under = ['run a +cpu'];
    assert.deepEqual(log, ['start 1', ...alone, ...under, ...under, ...alone, ...alone, ...under, 'stop']);
  });

  it('cancels a linear drift of the background load out of every slowdown', async () => {
    const mixes: Mix[] = [[], [interfererSpec('cpu', '0', 1)], [interfererSpec('cpu', '1', 0.5)]];
    const chunks = await all(collect({ workloads, mixes, repeats: 1, rounds: 2 }, fakeIo([], { drift: true })));
    assert.deepEqual(chunks.map((rows) => rows.map((r) => r.slowdown)), [[1, 1, 1, 1], [2, 2, 2, 2], [1.5, 1.5, 1.5, 1.5]]);
    // Without ABBA (alone, interfered, alone, interfered) the quiet mix would read (1 + 2/8)/(1 + 1/8) = 1.11 here.
    const [a] = chunks[0];
    assert.equal(a.static.alone_ms, 10 * (1 + (0 + 3) / 16)); // alone runs were the 0th and 3rd
  });

  it('emits one row per (target, observer) pair: target static features and slowdown, observer device features', async () => {
    const mixes: Mix[] = [[], [interfererSpec('cpu', '0', 1)], [interfererSpec('net', '1', 0.5)]];
    const [quiet, cpu, net] = await all(collect({ workloads, mixes, repeats: 1, rounds: 2 }, fakeIo([], { outlier: true })));
    assert.deepEqual(cpu.map((r) => [r.target, r.observer, r.static.alone_ms, r.interferedMs, r.slowdown]), [
      ['a', 'a', 10, 20, 2],
      ['a', 'b', 10, 20, 2],
      ['b', 'a', 40, 80, 2],
      ['b', 'b', 40, 80, 2],
    ]);
    assert.ok(quiet.every((r) => r.slowdown === 1 && r.mix === 'none' && r.device.cpu_peer === 0 && r.device.self_compute_ratio === 1));
    assert.ok(cpu.every((r) => r.device.self_compute_ratio === 2 && r.device.cpu_peer === 1));
    // Net adds 5 ms per microbatch: a goes 10 -> 15 ms, b 40 -> 45 ms; compute ratio stays 1.
    assert.deepEqual(net.filter((r) => r.observer === 'a').map((r) => r.slowdown), [1.5, 45 / 40]);
    const fromB = net.find((r) => r.target === 'a' && r.observer === 'b')!;
    assert.equal(fromB.device.send_wait_ms, 5);
    assert.equal(fromB.device.wait_fraction, (2 * 15) / (2 * (40 + 100 + 40 + 15)));
    assert.equal(fromB.device.self_compute_ratio, 1);
    assert.deepEqual(fromB.static, { ...workloads[0].static, alone_ms: 10 }); // with the target's alone median
    assert.equal(fromB.device.self_flops_per_byte, workloads[1].static.flops_per_byte);
  });

  it('skips runs already collected, reports progress, and stops interferers even when a run fails', async () => {
    const log: string[] = [];
    const mixes: Mix[] = [[], [interfererSpec('cpu', '0', 0.5)]];
    const progress: string[] = [];
    const done = new Set([runKey('none', 0), runKey('none', 1), runKey('cpu:0.5@0', 0)]);
    const chunks = await all(collect({ workloads, mixes, repeats: 2, rounds: 1 }, fakeIo(log), { done, onProgress: (a, b) => progress.push(`${a}/${b}`) }));
    assert.deepEqual(chunks.map((c) => [c[0].mix, c[0].repeat]), [['cpu:0.5@0', 1]]);
    assert.deepEqual(progress, ['1/4', '2/4', '3/4', '4/4']);

    log.length = 0;
    const everything = new Set([...done, runKey('cpu:0.5@0', 1)]);
    assert.deepEqual(await all(collect({ workloads, mixes, repeats: 2, rounds: 1 }, fakeIo(log), { done: everything })), []);
    assert.deepEqual(log, [], 'nothing left to collect: no run at all');

    const failing = fakeIo(log);
    const run = failing.runWorkload;
    let calls = 0;
    failing.runWorkload = async (w, d) => {
      if (++calls === 2) throw new Error('worker died');
      return run(w, d);
    };
    await assert.rejects(all(collect({ workloads, mixes: [[interfererSpec('cpu', '0', 1)]], repeats: 1, rounds: 1 }, failing)), /worker died/);
    assert.deepEqual(log, ['start 1', 'pause', 'run a', 'resume', 'stop']);
  });

  it('refuses a plan without workloads or with rounds < 1', async () => {
    await assert.rejects(all(collect({ workloads: [], mixes: [[]], repeats: 1, rounds: 1 }, fakeIo([]))), /at least one workload/);
    await assert.rejects(all(collect({ workloads, mixes: [[]], repeats: 1, rounds: 0 }, fakeIo([]))), /rounds must be an integer >= 1, got 0/);
  });
});
