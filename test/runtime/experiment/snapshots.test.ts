/**
 * Weight snapshots: what a rank writes (worker/weight-snapshots.ts) is read back, merged across
 * ranks into the whole model, and turned into an eval row (experiment/snapshots.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../../runtime/backend/select.js';
import { buildModel } from '../../../runtime/models/zoo.js';
import { disposeParams, initStageParams } from '../../../runtime/models/params.js';
import { WeightSnapshots } from '../../../runtime/worker/weight-snapshots.js';
import { readSnapshot, snapshotEvalRow } from '../../../runtime/experiment/snapshots.js';
import { isDynpipeError } from '../../../runtime/errors.js';

describe('weight snapshots', () => {
  let dir = '';
  before(async () => {
    await selectBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'dynpipe-snap-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const model = buildModel('mlp', { hidden: 8, layers: 2 }); // fc1, fc2, head

  it('every k microbatches each rank writes its blocks; read back they make the whole model', async () => {
    const ranges: Array<[number, number]> = [[0, 2], [2, 3]];
    const params = ranges.map((r) => initStageParams(model, r, 7));
    const writers = ranges.map((_, rank) => new WeightSnapshots(dir, 2, rank));
    for (let mb = 0; mb < 4; mb++) writers.forEach((w, rank) => w.after(mb, params[rank], { stage: rank, planVersion: 0, timeMs: 100 * mb + rank }));
    // the copies were taken at once: disposing the live tensors before the writes finish changes nothing
    const expected = params.map((p) => new Map([...p].map(([k, t]) => [k, Array.from(t.dataSync())])));
    params.forEach(disposeParams);
    await Promise.all(writers.map((w) => w.flush()));
    for (const m of [2, 4]) {
      const snap = await readSnapshot(join(dir, `mb-${m}`), model);
      assert.equal(snap.microbatches, m);
      assert.deepEqual(snap.metas.map((x) => [x.rank, x.stage, x.time_ms]), [[0, 0, 100 * (m - 1)], [1, 1, 100 * (m - 1) + 1]]);
      for (const e of expected) for (const [k, v] of e) assert.deepEqual(Array.from(snap.params.get(k)!.data), v, `${k} after ${m}`);
      assert.equal(snap.params.size, expected[0].size + expected[1].size);
    }
  });

  it('a snapshot missing a block says which', async () => {
    unlinkSync(join(dir, 'mb-4', 'rank-1.weights'));
    await assert.rejects(readSnapshot(join(dir, 'mb-4'), model), (e: unknown) => isDynpipeError(e, 'E_CHECKPOINT') && /no rank saved block 2 \(head\)/.test(e.message));
  });

  it('the eval row sits on the last stage\'s rank at the latest copy\'s time', () => {
    const metas = [
      { microbatches: 20, rank: 0, stage: 0, plan_version: 1, time_ms: 900 },
      { microbatches: 20, rank: 3, stage: 1, plan_version: 1, time_ms: 850 },
    ];
    assert.deepEqual(snapshotEvalRow(metas, { accuracy: 0.5, loss: 1.25, samples: 100 }), {
      row: 'eval', time_ms: 900, rank: 3, stage: 1, plan_version: 1, iteration: 20, accuracy: 0.5, loss: 1.25,
      detail: 'weights after 20 microbatches on 100 test samples',
    });
  });
});
