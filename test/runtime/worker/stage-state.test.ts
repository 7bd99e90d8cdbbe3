/**
 * Weight stashing in the stage state, bit for bit: with two microbatches in flight, the backward
 * of the older one, run after an optimizer step, yields exactly the gradients of the weights its
 * forward used — and the stash holds exactly the versions still needed.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../../runtime/models/zoo.js';
import { initStageParams, type StageParams } from '../../../runtime/models/params.js';
import { StageModule } from '../../../runtime/models/stage.js';
import { createOptimizer } from '../../../runtime/train/optimizer.js';
import { StageState } from '../../../runtime/worker/stage-state.js';

function snapshot(p: StageParams): Map<string, Float32Array> {
  return new Map([...p].map(([k, t]) => [k, t.dataSync() as Float32Array]));
}

describe('StageState (weight stashing)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('backward after a step differentiates the stashed version, and frees it afterwards', async () => {
    const model = buildModel('mlp', { hidden: 8, layers: 1, inputHeight: 4, inputWidth: 4 });
    const range: [number, number] = [0, model.blocks.length];
    const state = new StageState(model, range, initStageParams(model, range, 7), createOptimizer({ optimizer: 'momentum', lr: 0.5, momentum: 0.9 }));
    const xs = [0, 1, 2].map((i) => tf.randomNormal([5, 4, 4, 1], 0, 1, 'float32', 10 + i));
    const ys = [0, 1, 2].map((i) => tf.tensor1d([i, 1, 2, 3, 4].map((v) => v % 10), 'int32'));
    const v0 = snapshot(state.params);

    await state.forwardLoss(0, 0, xs[0], ys[0]);
    await state.forwardLoss(1, 0, xs[1], ys[1]);
    state.backward(0, 0, null);
    state.step(0);
    assert.deepEqual(state.heldVersions, [0, 1], 'version 0 is still needed by microbatch 1');
    assert.notDeepEqual(snapshot(state.params).get('0.w'), v0.get('0.w'), 'the step changed the live weights');
    await state.forwardLoss(2, 1, xs[2], ys[2]);
    state.backward(1, 0, null);
    const stashedGrads = snapshot(state.accumulated!);
    assert.deepEqual(state.heldVersions, [1], 'version 0 is released after its last backward');

    // Fresh computation with a copy of version 0's weights.
    const fresh = new StageModule(model, range);
    const p0: StageParams = new Map([...v0].map(([k, d]) => [k, tf.tensor(d, state.params.get(k)!.shape)]));
    const { pending, loss } = fresh.forwardLoss(p0, xs[1], ys[1], { training: true });
    loss.dispose();
    const { grads } = fresh.backward(pending, null);
    for (const [k, g] of grads) assert.deepEqual(stashedGrads.get(k), g.dataSync(), `gradient of ${k}`);
    state.dispose();
  });
});
