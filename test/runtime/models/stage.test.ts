import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../../runtime/models/zoo.js';
import { StageModule, type PendingBackward } from '../../../runtime/models/stage.js';
import { disposeParams, initStageParams, type StageParams } from '../../../runtime/models/params.js';
import { isDynpipeError } from '../../../runtime/errors.js';
import type { ModelSpec } from '../../../runtime/models/block.js';
import { maxAbsDiff, referenceGrads, sampleBatch, TINY, TINY_CONFIGS } from './reference.js';

const TOL = 1e-5;

/** Cut points: whole model, every block alone, a 2-way split near the middle, and an uneven 3-way split. */
function splits(n: number): number[][] {
  const out = [[0, n], Array.from({ length: n + 1 }, (_, i) => i)];
  if (n >= 2) out.push([0, Math.floor(n / 2), n]);
  if (n >= 3) out.push([0, 1, n - 1, n]);
  return out;
}

interface PipelineRun {
  loss: number;
  grads: StageParams;
  /** dx handed from stage k+1 to stage k, by cut index. */
  dxAtCut: Map<number, tf.Tensor>;
  outputs: tf.Tensor[];
  bufferUpdates: StageParams;
}

/** Runs all forwards, then all backwards, through one StageModule per stage. */
function runPipeline(model: ModelSpec, cuts: number[], params: StageParams, x: tf.Tensor, labels: tf.Tensor): PipelineRun {
  const stages = cuts.slice(1).map((b, s) => new StageModule(model, [cuts[s], b]));
  const pendings: PendingBackward[] = [];
  const outputs: tf.Tensor[] = [];
  let h = x;
  let loss = NaN;
  const bufferUpdates: StageParams = new Map();
  for (const stage of stages) {
    const r = stage.isLast ? stage.forwardLoss(params, h, labels) : stage.forward(params, h, { training: true });
    if ('loss' in r) {
      loss = r.loss.dataSync()[0];
      r.loss.dispose();
      outputs.push(r.logits);
    } else {
      assert.deepEqual(r.y.shape.slice(1), [...stage.outputShape]);
      outputs.push(r.y);
      h = r.y;
    }
    pendings.push(r.pending);
    const buffers = stage.blocks.flatMap((b, j) => b.params.filter((p) => !p.trainable).map((p) => `${stage.start + j}.${p.name}`));
    assert.deepEqual([...r.bufferUpdates.keys()].sort(), buffers.sort());
    for (const [k, t] of r.bufferUpdates) bufferUpdates.set(k, t);
  }
  const grads: StageParams = new Map();
  const dxAtCut = new Map<number, tf.Tensor>();
  let dy: tf.Tensor | null = null;
  for (let s = stages.length - 1; s >= 0; s--) {
    const { dx, grads: g } = stages[s].backward(pendings[s], dy);
    for (const [k, t] of g) grads.set(k, t);
    assert.equal(dx === null, !stages[s].producesInputGradient);
    if (dx !== null) dxAtCut.set(cuts[s], dx);
    dy = dx;
  }
  return { loss, grads, dxAtCut, outputs, bufferUpdates };
}

describe('StageModule transparency: composed stages equal the whole model', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  for (const { label, model: name, args } of TINY_CONFIGS) {
    it(`${label}: same loss, parameter gradients and input gradients for every split`, () => {
      const model = buildModel(name, args);
      const n = model.blocks.length;
      const params = initStageParams(model, [0, n], 7);
      const { x, labels } = sampleBatch(model, 2, 11);
      const ref = referenceGrads(model, params, x, labels, true);
      const start = tf.memory().numTensors;
      for (const cuts of splits(n)) {
        const run = runPipeline(model, cuts, params, x, labels);
        assert.ok(Math.abs(run.loss - ref.loss) <= TOL, `${cuts}: loss ${run.loss} vs ${ref.loss}`);
        assert.deepEqual(run.outputs[run.outputs.length - 1].shape, [2, ...model.blocks[n - 1].outputShape]);
        assert.deepEqual([...run.grads.keys()].sort(), [...ref.grads.keys()].sort());
        for (const [k, g] of ref.grads) assert.ok(maxAbsDiff(run.grads.get(k) as tf.Tensor, g) <= TOL, `${cuts}: grad ${k}`);
        for (const [cut, dx] of run.dxAtCut) assert.ok(maxAbsDiff(dx, ref.dAct.get(cut) as tf.Tensor) <= TOL, `${cuts}: dx at cut ${cut}`);
        tf.dispose([...run.grads.values(), ...run.dxAtCut.values(), ...run.outputs, ...run.bufferUpdates.values()]);
        assert.equal(tf.memory().numTensors, start, `${cuts}: tensors leaked`);
      }
      tf.dispose([x, labels, ...ref.grads.values(), ...ref.dAct.values()]);
      disposeParams(params);
    });
  }

  it('forward + backward leaves no tensor behind, and dispose() frees an unused recording', () => {
    const model = buildModel('tinycnn', TINY.tinycnn);
    const params = initStageParams(model, [0, 3], 1);
    const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 3);
    const stage = new StageModule(model, [0, 3]);
    const before = tf.memory().numTensors;
    const a = stage.forward(params, x, { training: true });
    const dy = tf.onesLike(a.y);
    const { grads } = stage.backward(a.pending, dy);
    tf.dispose([a.y, dy, ...grads.values()]);
    const b = stage.forward(params, x, { training: true });
    b.pending.dispose();
    b.y.dispose();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x]);
    disposeParams(params);
  });

  it('rejects a wrong input shape, a missing parameter and forwardLoss off the last stage', () => {
    const model = buildModel('mlp', TINY.mlp);
    const params = initStageParams(model, [1, 3], 1);
    const stage = new StageModule(model, [1, 3]);
    const bad = tf.zeros([2, 5]);
    assert.throws(() => stage.forward(params, bad, { training: true }), (e) => isDynpipeError(e, 'E_MODEL') && /takes float32 \[N, 6\], got float32 \[2,5\]/.test(e.message));
    params.delete('2.b');
    const ok = tf.zeros([2, 6]);
    assert.throws(() => stage.predict(params, ok), (e) => isDynpipeError(e, 'E_MODEL') && /missing parameter '2\.b'/.test(e.message));
    const first = new StageModule(model, [0, 1]);
    assert.throws(() => first.forwardLoss(params, bad, tf.zeros([2], 'int32')), (e) => isDynpipeError(e, 'E_MODEL') && /not the last stage/.test(e.message));
    assert.throws(() => new StageModule(model, [2, 2]), (e) => isDynpipeError(e, 'E_MODEL') && /\[2, 2\)/.test(e.message));
    tf.dispose([bad, ok]);
    disposeParams(params);
  });
});
