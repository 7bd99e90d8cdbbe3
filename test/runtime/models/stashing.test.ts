import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../../runtime/models/zoo.js';
import { StageModule } from '../../../runtime/models/stage.js';
import { disposeParams, initStageParams, type StageParams } from '../../../runtime/models/params.js';
import { createOptimizer } from '../../../runtime/train/optimizer.js';
import { bitsEqual, referenceGrads, sampleBatch, TINY } from './reference.js';

/**
 * PipeDream weight stashing on one stage: micro-batch 0 runs forward on version 0 of the weights,
 * the optimizer then produces version 1 and micro-batch 1 runs forward on it, and only then does
 * micro-batch 0 run backward. Its gradient must be that of version 0, bit for bit.
 */
describe('StageModule weight stashing', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  for (const name of ['mlp', 'tinycnn']) {
    it(`${name}: backward after an optimizer step differentiates the old weights`, () => {
      const model = buildModel(name, TINY[name]);
      const n = model.blocks.length;
      const stage = new StageModule(model, [0, n]);
      const v0 = initStageParams(model, [0, n], 1);
      const mb0 = sampleBatch(model, 2, 21);
      const mb1 = sampleBatch(model, 2, 22);
      const expected = referenceGrads(model, v0, mb0.x, mb0.labels);

      const f0 = stage.forwardLoss(v0, mb0.x, mb0.labels);
      const opt = createOptimizer({ optimizer: 'momentum', lr: 0.5, momentum: 0.9 });
      const v1: StageParams = new Map([...v0, ...opt.step(v0, expected.grads)]);
      const f1 = stage.forwardLoss(v1, mb1.x, mb1.labels);
      const b1 = stage.backward(f1.pending, null);
      const b0 = stage.backward(f0.pending, null);

      assert.equal(f0.loss.dataSync()[0], expected.loss);
      f0.loss.dispose();
      f1.loss.dispose();
      for (const [k, g] of expected.grads) {
        assert.ok(!bitsEqual(v0.get(k) as tf.Tensor, v1.get(k) as tf.Tensor), `${k} did not change`);
        assert.ok(bitsEqual(b0.grads.get(k) as tf.Tensor, g), `${k}: gradient is not that of the stashed weights`);
      }
      tf.dispose([f0.logits, f1.logits, ...b0.grads.values(), ...b1.grads.values(), ...expected.grads.values()]);
      tf.dispose([mb0.x, mb0.labels, mb1.x, mb1.labels]);
      for (const k of expected.grads.keys()) (v1.get(k) as tf.Tensor).dispose();
      disposeParams(v0);
      opt.dispose();
    });
  }
});
