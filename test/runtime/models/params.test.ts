import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModel } from '../../../runtime/models/zoo.js';
import { StageModule } from '../../../runtime/models/stage.js';
import { disposeParams, initBlockParams, initStageParams, initValues, paramKey, parseParamKey } from '../../../runtime/models/params.js';
import { Prng } from '../../../runtime/models/prng.js';
import { isDynpipeError } from '../../../runtime/errors.js';
import { bitsEqual, TINY } from './reference.js';

function snapshot(params: Map<string, tf.Tensor>): Map<string, Float32Array> {
  return new Map([...params].map(([k, t]) => [k, Float32Array.from(t.dataSync())]));
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer);
  const y = new Uint32Array(b.buffer);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

describe('parameter init and keys', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('builds and parses keys of the form <blockIndex>.<paramName>', () => {
    assert.equal(paramKey(12, 'bn1_gamma'), '12.bn1_gamma');
    assert.deepEqual(parseParamKey('12.bn1_gamma'), { blockIndex: 12, name: 'bn1_gamma' });
    for (const bad of ['w', '.w', '01.w', '3.', '-1.w']) {
      assert.throws(() => parseParamKey(bad), (e) => isDynpipeError(e, 'E_MODEL') && e.message.includes(`'${bad}'`));
    }
  });

  it('is bit-identical for the same seed and differs across blocks, seeds and params', () => {
    const model = buildModel('mlp', TINY.mlp);
    const a = initStageParams(model, [0, 3], 5);
    const b = initStageParams(model, [0, 3], 5);
    const c = initStageParams(model, [0, 3], 6);
    for (const [k, t] of a) assert.ok(bitsEqual(t, b.get(k) as tf.Tensor), k);
    assert.ok(!bitsEqual(a.get('0.w') as tf.Tensor, c.get('0.w') as tf.Tensor));
    // blocks 1 and 2 of a deeper mlp have same-shaped weights: their values must still differ
    const deep = buildModel('mlp', { ...TINY.mlp, layers: 3 });
    const p1 = initBlockParams(deep.blocks[1], 1, 5);
    const p2 = initBlockParams(deep.blocks[2], 2, 5);
    assert.deepEqual(p1.w.shape, p2.w.shape);
    assert.ok(!bitsEqual(p1.w, p2.w));
    assert.deepEqual([...a.get('0.b')?.dataSync() ?? []], [0, 0, 0, 0, 0, 0]);
    tf.dispose([...Object.values(p1), ...Object.values(p2)]);
    [a, b, c].forEach(disposeParams);
  });

  it('rebuilds any block range without the rest (same bits as the whole-model init)', () => {
    const model = buildModel('tinycnn', TINY.tinycnn);
    const whole = initStageParams(model, [0, 5], 9);
    const part = initStageParams(model, [2, 5], 9);
    assert.deepEqual([...part.keys()], ['2.w', '2.b', '4.w', '4.b']);
    for (const [k, t] of part) assert.ok(bitsEqual(t, whole.get(k) as tf.Tensor), k);
    [whole, part].forEach(disposeParams);
  });

  it('draws he-normal with the right scale and glorot-uniform within its limit', () => {
    const normal = initValues({ kind: 'he-normal', fanIn: 50 }, 20000, new Prng(1));
    const mean = normal.reduce((s, v) => s + v, 0) / normal.length;
    const std = Math.sqrt(normal.reduce((s, v) => s + (v - mean) ** 2, 0) / normal.length);
    assert.ok(Math.abs(mean) < 0.01 && Math.abs(std - Math.sqrt(2 / 50)) < 0.005, `mean ${mean} std ${std}`);
    const limit = Math.sqrt(6 / (3 + 5));
    const uniform = initValues({ kind: 'glorot-uniform', fanIn: 3, fanOut: 5 }, 5000, new Prng(2));
    assert.ok(uniform.every((v) => Math.abs(v) <= limit) && uniform.some((v) => Math.abs(v) > 0.9 * limit));
  });

  it('gives the same init bits and forward values on the cpu and wasm backends', async () => {
    const model = buildModel('tinycnn', TINY.tinycnn);
    const stage = new StageModule(model, [0, 5]);
    const input = Float32Array.from({ length: 2 * 64 }, (_, i) => Math.sin(i));
    const run = () => {
      const params = initStageParams(model, [0, 5], 3);
      const x = tf.tensor(input, [2, 8, 8, 1]);
      const y = stage.predict(params, x);
      const out = { init: snapshot(params), y: Float32Array.from(y.dataSync()) };
      tf.dispose([x, y]);
      disposeParams(params);
      return out;
    };
    const onCpu = run();
    assert.equal(await tf.setBackend('wasm'), true);
    try {
      assert.equal(tf.getBackend(), 'wasm');
      const onWasm = run();
      for (const [k, v] of onCpu.init) assert.ok(sameBits(v, onWasm.init.get(k) as Float32Array), k);
      onCpu.y.forEach((v, i) => assert.ok(Math.abs(v - onWasm.y[i]) <= 1e-5, `logit ${i}: ${v} vs ${onWasm.y[i]}`));
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
