/** Shared by the backend tests: seeded inputs, running one function per backend, comparing. */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';

/** mulberry32: a small seeded generator, so every run draws the same inputs. */
export { seededRandom } from '../../../runtime/models/prng.js';

/** Uniform values in [-1, 1). */
export function randomValues(shape: readonly number[], random: () => number): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = random() * 2 - 1;
  return out;
}

/**
 * Asserts max |actual - expected| <= rtol * max(max |expected|, minScale): relative to the
 * tensor's largest magnitude, since an element whose terms cancel to ~0 has no meaningful relative
 * error. `minScale` does the same for a whole tensor that is zero in exact arithmetic and only
 * rounding noise in floats (e.g. a bias gradient in front of a batch norm): give the scale of the
 * tensors it is compared among.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, label: string, minScale = 0): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  assert.ok(scale > 0 || minScale > 0, `${label}: expected values are all zero, which proves nothing`);
  scale = Math.max(scale, minScale);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (Number.isNaN(d)) assert.fail(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
    if (d > worst) [worst, at] = [d, i];
  }
  assert.ok(worst <= rtol * scale, `${label}: element ${at} is ${actual[at]}, expected ${expected[at]} (|diff| ${worst} > ${rtol} * ${scale})`);
}

/** Makes `backend` current, runs `body`, downloads its outputs (async: webgpu cannot read synchronously). */
export async function runOn(backend: string, body: () => tf.Tensor[]): Promise<Array<Float32Array | Int32Array>> {
  assert.ok(await tf.setBackend(backend), `backend ${backend} did not start`);
  const outs = tf.tidy(body);
  try {
    return (await Promise.all(outs.map((t) => t.data()))) as Array<Float32Array | Int32Array>;
  } finally {
    tf.dispose(outs);
  }
}
