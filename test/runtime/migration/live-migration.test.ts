/**
 * Live migration between three ranks in one process (real data planes over ipc, cpu backend):
 *
 *   old plan [2, 1, 1]: rank 0 {0, 1}, rank 1 {2}, rank 2 {3}
 *   new plan [1, 1, 2]: rank 0 {0},    rank 1 {1}, rank 2 {2, 3}     block 1: 0 -> 1, block 2: 1 -> 2
 *
 * Rank 1 sends and receives at once. Afterwards every parameter and every optimizer slot, over all
 * ranks, is bit-identical to before, each rank holds exactly its new blocks, and the senders have
 * freed what left.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../../runtime/models/zoo.js';
import { initStageParams } from '../../../runtime/models/params.js';
import { createOptimizer } from '../../../runtime/train/optimizer.js';
import { StageState } from '../../../runtime/worker/stage-state.js';
import { DataPlane } from '../../../runtime/transport/data-plane.js';
import { validatePlan, type Plan, stageRanges, stageOfRank } from '../../../runtime/plan/plan.js';
import { migrateLive } from '../../../runtime/migration/live-migration.js';
import { MANIFEST_TAG, recvEntries } from '../../../runtime/migration/block-transfer.js';
import { importBlocks, paramEntry } from '../../../runtime/checkpoint/state-entries.js';
import { isDynpipeError } from '../../../runtime/errors.js';
import { bytesOf, uniqueBindAddress } from '../transport/helpers.js';

const MODEL = buildModel('mlp', { hidden: 8, layers: 3, inputHeight: 4, inputWidth: 4 });

function plan(partition: number[]): Plan {
  return validatePlan({
    version: 1, model: { name: 'mlp', args: MODEL.args }, num_blocks: 4, partition,
    stage_to_rank_map: Object.fromEntries(partition.map((_, s) => [String(s), [s]])), microbatch_size: 4,
  });
}

/** A state that has taken one optimizer step, so momentum slots exist. */
function trainedState(p: Plan, rank: number): StageState {
  const range = stageRanges(p)[stageOfRank(p, rank)];
  const params = initStageParams(MODEL, range, 11);
  const optimizer = createOptimizer({ optimizer: 'momentum', lr: 0.1, momentum: 0.9 });
  const grads = new Map([...params].map(([k, t], i) => [k, tf.randomNormal(t.shape, 0, 1, 'float32', 100 + i + 10 * rank)]));
  const next = optimizer.step(params, grads);
  for (const t of [...params.values(), ...grads.values()]) t.dispose();
  return new StageState(MODEL, range, next, optimizer, 1);
}

/** Every parameter (p/...) and optimizer slot (o/...) of the states, as bytes. */
function snapshot(states: StageState[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const s of states) {
    for (const [k, t] of s.params) out.set(`p/${k}`, Buffer.from(bytesOf(t.dataSync())));
    for (const [k, slots] of s.optimizer.exportState()) {
      slots.forEach((t, i) => out.set(`o/${k}/${i}`, Buffer.from(bytesOf(t.dataSync()))));
      for (const t of slots) t.dispose();
    }
  }
  return out;
}

describe('live migration (in process)', function () {
  this.timeout(30_000);
  let planes: DataPlane[] = [];

  before(async () => {
    await tf.setBackend('cpu');
  });
  beforeEach(async () => {
    planes = await Promise.all([0, 1, 2].map((rank) => DataPlane.open({ rank, bindAddress: uniqueBindAddress('ipc'), planVersion: 0, onReject: () => undefined })));
  });
  afterEach(async () => {
    await Promise.all(planes.map((p) => p.close()));
  });

  it('moves only the changed blocks, weights and optimizer slots bit-identical, senders free what left', async () => {
    const from = plan([2, 1, 1]);
    const to = plan([1, 1, 2]);
    const states = [0, 1, 2].map((r) => trainedState(from, r));
    const before = snapshot(states);
    const endpoints = new Map(planes.map((p) => [p.rank, p.endpoint]));
    const leaving = states[0].params.get('1.w')!;
    const results = await Promise.all([0, 1, 2].map((rank) => migrateLive({ rank, model: MODEL, plane: planes[rank], endpoints, from, to, planVersion: 1, state: states[rank], timeoutMs: 10_000 })));
    const after = snapshot(results.map((r) => r.state));
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
    for (const [k, b] of before) assert.ok(after.get(k)!.equals(b), `${k} changed`);
    assert.deepEqual(results.map((r) => [r.state.range[0], r.state.range[1]]), [[0, 1], [1, 2], [2, 4]]);
    assert.deepEqual(results.map((r) => r.state.version), [1, 1, 1]);
    assert.deepEqual(results.map((r) => [r.sentBlocks, r.receivedBlocks]), [[[1], []], [[2], [1]], [[], [2]]]);
    // fc2 (block 1): 8x8 + 8 floats, weights + momentum, each 4 bytes.
    assert.equal(results[0].sentBytes, 2 * 72 * 4);
    assert.equal(results[1].receivedBytes, 2 * 72 * 4);
    assert.ok(leaving.isDisposed, 'rank 0 freed block 1 after the ACK');
    assert.deepEqual([...results[0].state.optimizer.exportState().keys()], ['0.w', '0.b']);
    for (const r of results) r.state.dispose();
  });

  it('refuses to migrate a stage that still has a microbatch in flight', async () => {
    const p = plan([4]);
    const state = new StageState(MODEL, [0, 4], initStageParams(MODEL, [0, 4], 1), createOptimizer({ optimizer: 'sgd', lr: 0.1 }));
    state.forward(0, 0, tf.zeros([2, 4, 4, 1]));
    await assert.rejects(
      migrateLive({ rank: 0, model: MODEL, plane: planes[0], endpoints: new Map(), from: p, to: p, planVersion: 1, state, timeoutMs: 1000 }),
      (e: unknown) => isDynpipeError(e, 'E_MIGRATION') && /not drained: 1 microbatches in flight/.test(e.message),
    );
    state.dispose();
  });

  it('a malformed migration message is an error naming the peer, not a silent install', async () => {
    planes[1].connect(0, planes[0].endpoint);
    await planes[1].send(0, { kind: 'migrate', mb: 3, tag: MANIFEST_TAG, extra: { count: -2 } }, { dtype: 'float32', shape: [0], data: new Float32Array(0) });
    await assert.rejects(recvEntries(planes[0], 1, 3, 5000), (e: unknown) => isDynpipeError(e, 'E_MIGRATION') && /message from rank 1: manifest count is -2/.test(e.message));
    const half = new Map([[paramEntry('1.w'), { dtype: 'float32' as const, shape: [8, 8], data: new Float32Array(64) }]]);
    assert.throws(() => importBlocks(MODEL, [1], half, 'momentum', 'migration from rank 1', 'E_MIGRATION'), (e: unknown) => isDynpipeError(e, 'E_MIGRATION') && /parameter '1\.b' is missing/.test(e.message));
    const wrong = new Map([...half, [paramEntry('1.b'), { dtype: 'float32' as const, shape: [9], data: new Float32Array(9) }]]);
    assert.throws(() => importBlocks(MODEL, [1], wrong, 'momentum', 'migration from rank 1', 'E_MIGRATION'), (e: unknown) => isDynpipeError(e, 'E_MIGRATION') && /'1\.b' is float32\[9\], the model declares float32\[8\]/.test(e.message));
  });
});
