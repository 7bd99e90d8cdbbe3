/**
 * Test-set evaluation of a whole model: mean loss and accuracy. For masked-LM, accuracy counts only
 * the positions whose label is not -1 (ignored), and so does the loss.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../models/block.js';
import type { StageParams } from '../models/params.js';
import { StageModule } from '../models/stage.js';
import { lossFunction } from '../models/loss.js';
import type { Dataset } from '../data/dataset.js';
import { batchTensors } from './batch-tensors.js';

export interface EvalResult {
  loss: number;
  accuracy: number;
  samples: number;
}

export async function evaluateModel(model: ModelSpec, params: StageParams, ds: Dataset, batchSize = 256): Promise<EvalResult> {
  const stage = new StageModule(model, [0, model.blocks.length]);
  const lossOf = lossFunction(model.loss);
  let lossSum = 0;
  let correct = 0;
  let counted = 0;
  for (let start = 0; start < ds.size; start += batchSize) {
    const n = Math.min(batchSize, ds.size - start);
    const indices = Array.from({ length: n }, (_, i) => start + i);
    const { x, y } = batchTensors(ds, indices);
    const packed = tf.tidy(() => {
      const logits = stage.predict(params, x);
      const loss = lossOf(logits, y);
      const predicted = logits.argMax(-1);
      const valid = y.greaterEqual(0);
      const hits = predicted.equal(y).logicalAnd(valid).sum();
      return tf.stack([loss, hits.cast('float32'), valid.sum().cast('float32')]);
    });
    const [l, c, k] = await packed.data();
    packed.dispose();
    x.dispose();
    y.dispose();
    lossSum += l * n;
    correct += c;
    counted += k;
  }
  return { loss: lossSum / Math.max(1, ds.size), accuracy: counted ? correct / counted : 0, samples: ds.size };
}
