import assert from 'node:assert/strict';
import { describeTrace, evenPartition, EXPERIMENT_NAMES, MODES, scenario, SCALES } from '../../../runtime/experiment/scenarios.js';
import { isDynpipeError } from '../../../runtime/errors.js';
import { buildModel } from '../../../runtime/models/zoo.js';

const env = { dataset: 'fashion-mnist', backend: 'wasm', canPin: true };

describe('experiment scenarios', () => {
  it('evenPartition gives earlier stages the extra blocks and rejects fewer blocks than ranks', () => {
    assert.deepEqual(evenPartition(8, 4), [2, 2, 2, 2]);
    assert.deepEqual(evenPartition(10, 4), [3, 3, 2, 2]);
    assert.throws(() => evenPartition(3, 4), (e: unknown) => isDynpipeError(e, 'E_USAGE') && /3 blocks over 4 ranks/.test(e.message));
  });

  for (const name of EXPERIMENT_NAMES) {
    for (const scale of SCALES) {
      it(`${name} ${scale}: the four modes per model, on the same plan, data, seed and length`, () => {
        const s = scenario(name, scale, env);
        const models = [...new Set(s.runs.map((r) => r.modelLabel))];
        assert.equal(s.runs.length, 4 * models.length);
        for (const m of models) assert.deepEqual(s.runs.filter((r) => r.modelLabel === m).map((r) => r.mode), [...MODES]);
        for (const r of s.runs) {
          const same = s.runs.find((x) => x.modelLabel === r.modelLabel)!.workload;
          assert.deepEqual(r.workload, same, `${r.name} differs from the other modes of ${r.modelLabel}`);
          assert.equal(buildModel(r.workload.plan.model.name, r.workload.plan.model.args).blocks.length, r.workload.plan.num_blocks);
          assert.equal(r.workload.trainSamples, r.workload.microbatches * r.workload.plan.microbatch_size);
        }
        assert.equal(new Set(s.runs.map((r) => r.name)).size, s.runs.length, 'run directories are unique');
        assert.equal(s.interference.kind, 'trace');
        assert.equal(s.targetAccuracy !== null, name === 'ttacc');
        assert.equal(s.snapshotEvery !== undefined, name === 'ttacc');
      });
    }
  }

  it('small runs two ranks one per core, full eight one per core', () => {
    const small = scenario('ttacc', 'small', env).runs[0].workload;
    assert.deepEqual(small.pinning?.cpuSets, ['0', '1']);
    assert.deepEqual(small.plan.partition, [4, 4]);
    const full = scenario('ttacc', 'full', env).runs[0].workload;
    assert.deepEqual(full.pinning?.cpuSets, ['0', '1', '2', '3', '4', '5', '6', '7']);
    assert.deepEqual(full.plan.partition, Array(8).fill(2));
    assert.equal(scenario('ttacc', 'small', { ...env, canPin: false }).runs[0].workload.pinning, undefined);
  });

  it('describes a trace in one line, counting repeated events', () => {
    const s = scenario('light-heavy', 'small', env);
    assert.equal(s.interferenceText, 'seconds from the first completed microbatch: [10 s, 30 s) cpu:0.5@0; [40 s, 60 s) cpu:1@0');
    const full = scenario('throughput', 'full', env);
    assert.equal(full.interferenceText, 'seconds from the first completed microbatch: [1.5 s, end) cpu:1@0,1');
    assert.equal(describeTrace([]), 'seconds from the first completed microbatch: ');
  });

  it('emulated: the same phases as microbatch ranges on the same ranks, heavy 2x and light 1.5x', () => {
    const s = scenario('interference-trace', 'small', { ...env, interference: 'emulated' });
    assert.deepEqual(s.interference, {
      kind: 'emulated',
      bursts: [
        { ranks: [0], factor: 2, fromMicrobatch: 30, toMicrobatch: 90 },
        { ranks: [1], factor: 2, fromMicrobatch: 120, toMicrobatch: 180 },
        { ranks: [0], factor: 1.5, fromMicrobatch: 210, toMicrobatch: 300 },
      ],
    });
    assert.match(s.interferenceText, /^emulated \(compute stretched by a sleep\): ranks 0 2x for microbatches \[30, 90\); ranks 1 2x/);
  });
});
