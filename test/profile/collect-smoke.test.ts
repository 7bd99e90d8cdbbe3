import { strict as assert } from 'node:assert';
import { collect } from '../../predictor/collect.js';
import { parseDataset, printDataset, type DatasetRow } from '../../predictor/dataset.js';
import { interfererSpec } from '../../predictor/mix.js';
import { ProcessCollectIo } from '../../profile/collect-io.js';
import { GeneratorGroup } from '../../profile/interfere/spawn.js';
import { HostSampler } from '../../runtime/stats/host-stats.js';
import { denseSpec } from './dense-spec.js';
import { selectBackend } from '../../runtime/backend/select.js';

describe('collection smoke run (real workloads, processes and host counters)', function () {
  // Other suites in this mocha process may have switched backends; pick one explicitly.
  before(async () => {
    await selectBackend('cpu');
  });
  this.timeout(60000);

  it('collects a quiet and a cpu+net mix into rows that survive the CSV', async () => {
    const io = new ProcessCollectIo({ sampler: new HostSampler({ gpuIndex: null }), group: new GeneratorGroup(), microbatches: 2, settleMs: 100, seed: 1 });
    const spec = denseSpec();
    const workloads = [io.addWorkload(spec, 0, 2, 8), io.addWorkload(spec, 2, 3, 8)];
    const mixes = [[], [interfererSpec('cpu', '*', 1), interfererSpec('net', '1', 1)]];
    const rows: DatasetRow[] = [];
    try {
      for await (const chunk of collect({ workloads, mixes, repeats: 1, profileRuns: 1 }, io)) rows.push(...chunk);
    } finally {
      await io.close();
    }
    assert.equal(rows.length, 2 * 2 * 2); // mixes x targets x observers
    assert.deepEqual([...new Set(rows.map((r) => r.mix))], ['none', 'cpu:1@*+net:1@1']);
    for (const r of rows) {
      assert.ok(r.slowdown > 0 && Number.isFinite(r.slowdown), JSON.stringify(r));
      assert.equal(r.device.gpu_util, null);
    }
    const loaded = rows.filter((r) => r.mix !== 'none');
    // The net interferer delays every send by at least its 5 ms base: visible in the observer's waits.
    assert.ok(loaded.every((r) => r.device.send_wait_ms >= 5 && r.device.wait_fraction > 0), JSON.stringify(loaded.map((r) => r.device.send_wait_ms)));
    assert.ok(rows.filter((r) => r.mix === 'none').every((r) => r.device.send_wait_ms === 0));
    assert.deepEqual(parseDataset(printDataset(rows, true), 'smoke.csv'), rows);
  });
});
