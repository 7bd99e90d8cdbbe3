/**
 * Zoo models (tiny configurations), cut into two pipeline stages, trained one step on webgpu
 * (lavapipe here, our kernels registered) and on cpu from the same parameters and batch: the
 * loss, every parameter gradient and the gradient handed back across the cut agree to 1e-4
 * relative to each tensor's largest value, or to 1% of the largest parameter gradient for a
 * tensor that is zero but for rounding (the bias in front of a batch norm gets none). Only `StageModule` calls are used, as a worker makes
 * them, and every read is async (webgpu in Node has no sync reads).
 */
import * as tf from '@tensorflow/tfjs';
import { releaseBackends, selectBackend, type ConcreteBackend } from '../../../runtime/backend/select.js';
import type { ModelSpec } from '../../../runtime/models/block.js';
import { disposeParams, initStageParams } from '../../../runtime/models/params.js';
import { StageModule } from '../../../runtime/models/stage.js';
import { buildModel } from '../../../runtime/models/zoo.js';
import { assertClose, randomValues, runOn, seededRandom } from '../backend/helpers.js';
import { TINY } from './reference.js';

const BATCH = 4;
/** resnet50 is left out: its ~50 conv shapes cost minutes of shader compiles on lavapipe. */
const MODELS = ['mlp', 'tinycnn', 'vgg16', 'bert'];
const BACKENDS: ConcreteBackend[] = ['webgpu'];

interface Batch {
  x: Float32Array | Int32Array;
  labels: Int32Array;
}

function hostBatch(model: ModelSpec, seed: number): Batch {
  const random = seededRandom(seed);
  const ints = (shape: readonly number[], below: number) => Int32Array.from({ length: shape.reduce((a, b) => a * b, BATCH) }, () => Math.floor(random() * below));
  const x = model.inputDtype === 'int32' ? ints(model.inputShape, model.numClasses) : randomValues([BATCH, ...model.inputShape], random);
  return { x, labels: ints(model.labelShape, model.numClasses) };
}

/** [loss, d loss / d (activation at the cut), gradients of stage 0's then stage 1's parameters]. */
function twoStageStep(model: ModelSpec, batch: Batch): tf.Tensor[] {
  const n = model.blocks.length;
  const cut = Math.floor(n / 2);
  const params = initStageParams(model, [0, n], 7);
  const first = new StageModule(model, [0, cut]);
  const last = new StageModule(model, [cut, n]);
  const x = tf.tensor(batch.x, [BATCH, ...model.inputShape], model.inputDtype);
  const labels = tf.tensor(batch.labels, [BATCH, ...model.labelShape], 'int32');
  const f = first.forward(params, x, { training: true });
  const r = last.forwardLoss(params, f.y, labels);
  const back = last.backward(r.pending, null);
  if (back.dx === null) throw new Error(`${model.name}: no gradient at the cut after block ${cut}`);
  const front = first.backward(f.pending, back.dx);
  f.pending.dispose();
  r.pending.dispose();
  disposeParams(params);
  return [r.loss, back.dx, ...first.trainableKeys.map((k) => front.grads.get(k) as tf.Tensor), ...last.trainableKeys.map((k) => back.grads.get(k) as tf.Tensor)];
}

function labels(model: ModelSpec): string[] {
  const n = model.blocks.length;
  const cut = Math.floor(n / 2);
  return ['loss', `d loss / d activation after ${model.blocks[cut - 1].name}`, ...new StageModule(model, [0, cut]).trainableKeys, ...new StageModule(model, [cut, n]).trainableKeys];
}

describe('zoo model gradients against cpu', () => {
  after(() => releaseBackends());

  for (const backend of BACKENDS) {
    describe(backend, () => {
      before(async () => {
        await selectBackend(backend);
      });

      MODELS.forEach((name, i) => {
        it(`${name}: a two-stage step gives cpu's loss and gradients`, async () => {
          const model = buildModel(name, TINY[name]);
          const batch = hostBatch(model, 4000 + i);
          const expected = await runOn('cpu', () => twoStageStep(model, batch));
          const actual = await runOn(backend, () => twoStageStep(model, batch));
          const gradScale = Math.max(...expected.slice(2).map((g) => Math.max(...Array.from(g, Math.abs))));
          labels(model).forEach((label, j) => assertClose(actual[j], expected[j], 1e-4, `${backend} ${name} ${label}`, j < 2 ? 0 : 0.01 * gradScale));
        });
      });
    });
  }
});
