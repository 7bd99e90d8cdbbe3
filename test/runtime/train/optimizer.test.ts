import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { createOptimizer, type OptimizerConfig } from '../../../runtime/train/optimizer.js';
import { isDynpipeError } from '../../../runtime/errors.js';
import type { StageParams } from '../../../runtime/models/params.js';

const W0 = [1, -2];
const G1 = [0.5, 0.25];
const G2 = [-1, 2];

/** Runs two steps on the 2-element example and returns the values after each. */
function twoSteps(cfg: OptimizerConfig): number[][] {
  const opt = createOptimizer(cfg);
  let params: StageParams = new Map([['0.w', tf.tensor1d(W0)]]);
  const out: number[][] = [];
  for (const g of [G1, G2]) {
    const grad = tf.tensor1d(g);
    const next = opt.step(params, new Map([['0.w', grad]]));
    assert.notEqual(next.get('0.w'), params.get('0.w'));
    assert.ok(!(params.get('0.w') as tf.Tensor).isDisposed, 'step must not dispose the old parameters');
    tf.dispose([grad, ...params.values()]);
    params = next;
    out.push([...(params.get('0.w') as tf.Tensor).dataSync()]);
  }
  assert.equal(opt.stepCount, 2);
  tf.dispose([...params.values()]);
  opt.dispose();
  return out;
}

function close(actual: number[], expected: number[], tol = 1e-6): void {
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tol, `[${i}] ${v} vs ${expected[i]}`));
}

describe('optimizer', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('sgd: w -= lr (g + wd w)', () => {
    const [s1] = twoSteps({ optimizer: 'sgd', lr: 0.1, weight_decay: 0.01 });
    close(s1, [1 - 0.1 * 0.51, -2 - 0.1 * 0.23]);
  });

  it('momentum matches PyTorch: v = mu v + g + wd w; w -= lr v', () => {
    const [s1, s2] = twoSteps({ optimizer: 'momentum', lr: 0.1, momentum: 0.9, weight_decay: 0.01 });
    // step 1: g' = [0.51, 0.23] = v;  w = [0.949, -2.023]
    close(s1, [0.949, -2.023]);
    // step 2: g' = G2 + 0.01 w = [-0.99051, 1.97977]; v = 0.9 [0.51, 0.23] + g' = [-0.53151, 2.18677]
    close(s2, [0.949 + 0.053151, -2.023 - 0.218677]);
  });

  it('adam matches the bias-corrected update', () => {
    const [s1, s2] = twoSteps({ optimizer: 'adam', lr: 0.1 });
    // step 1: m_hat = g, v_hat = g^2, so every coordinate moves by lr * sign(g)
    close(s1, [0.9, -2.1]);
    // step 2, by hand: m = [-0.055, 0.2225], v = [0.00124975, 0.0040624375]
    const mHat = [-0.055 / 0.19, 0.2225 / 0.19];
    const vHat = [0.00124975 / 0.001999, 0.0040624375 / 0.001999];
    close(s2, [0.9 - (0.1 * mHat[0]) / (Math.sqrt(vHat[0]) + 1e-8), -2.1 - (0.1 * mHat[1]) / (Math.sqrt(vHat[1]) + 1e-8)], 1e-5);
  });

  for (const kind of ['momentum', 'adam'] as const) {
    it(`${kind}: exported state continues bit-identically in another optimizer`, () => {
      const cfg: OptimizerConfig = { optimizer: kind, lr: 0.05, momentum: 0.9, weight_decay: 0.001 };
      const a = createOptimizer(cfg);
      const w = tf.tensor1d(W0);
      const g1 = tf.tensor1d(G1);
      const g2 = tf.tensor1d(G2);
      const w1 = a.step(new Map([['3.w', w]]), new Map([['3.w', g1]]));
      const exported = a.exportState();
      assert.equal(exported.get('3.w')?.length, kind === 'momentum' ? 1 : 3);
      const b = createOptimizer(cfg);
      b.importState(exported);
      const fromA = a.step(w1, new Map([['3.w', g2]])).get('3.w') as tf.Tensor;
      const fromB = b.step(w1, new Map([['3.w', g2]])).get('3.w') as tf.Tensor;
      assert.deepEqual(new Uint32Array(fromA.dataSync().buffer), new Uint32Array(fromB.dataSync().buffer));
      tf.dispose([w, g1, g2, fromA, fromB, ...w1.values(), ...[...exported.values()].flat()]);
      a.dispose();
      b.dispose();
    });
  }

  it('rejects bad settings, mismatched gradients and foreign state', () => {
    assert.throws(() => createOptimizer({ optimizer: 'sgd', lr: 0 }), (e) => isDynpipeError(e, 'E_USAGE') && /lr must be > 0, got 0/.test(e.message));
    assert.throws(() => createOptimizer({ optimizer: 'momentum', lr: 1, momentum: 2 }), (e) => isDynpipeError(e, 'E_USAGE') && /momentum/.test(e.message));
    const opt = createOptimizer({ optimizer: 'momentum', lr: 0.1 });
    const w = tf.zeros([2]);
    const g = tf.zeros([3]);
    assert.throws(() => opt.step(new Map([['0.w', w]]), new Map([['0.w', g]])), (e) => isDynpipeError(e, 'E_MODEL') && /shape \[3\]/.test(e.message));
    assert.throws(() => opt.step(new Map(), new Map([['0.w', g]])), (e) => isDynpipeError(e, 'E_MODEL') && /'0\.w' has no parameter/.test(e.message));
    assert.throws(() => opt.importState(new Map([['0.w', [w, w]]])), (e) => isDynpipeError(e, 'E_CHECKPOINT') && /momentum keeps 1/.test(e.message));
    tf.dispose([w, g]);
  });
});
